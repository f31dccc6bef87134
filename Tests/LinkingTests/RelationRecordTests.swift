import XCTest
import LianluCore
@testable import Linking

final class RelationRecordTests: XCTestCase {
    func testRelationRecordListsAndLiterals() {
        let r = Relation(id: "r1", sid: 3, type: .output,
                         args: [("subject", .mention("m4")), ("product", .mention("m6")), ("quantity", .mention("m5")),
                                ("period", .literal("year")), ("kind", .literal("production"))], rule: "output.yaml#nian_chan")
        var w = JSONWriter()
        r.write(doc: "d1", to: &w)
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self),
                       #"{"doc":"d1","id":"r1","sid":3,"type":"output","args":{"subject":"m4","product":"m6","quantity":"m5","period":"year","kind":"production"},"rule":"output.yaml#nian_chan"}"# + "\n")
        let a = Relation(id: "r2", sid: 0, type: .agreement, args: [("parties", .mentions(["m1", "m2"]))], rule: "x")
        w.removeAll()
        a.write(doc: "d1", to: &w)
        XCTAssertTrue(String(decoding: w.bytes, as: UTF8.self).contains(#""args":{"parties":["m1","m2"]}"#))
        XCTAssertEqual(RelationType.output.literalRoles, ["period", "kind"])
    }

    func testEntityKeyIsTypeAndName() {
        let e = Entity(id: "e1", type: "LOC", name: "临清市", mentions: ["m1", "m7"])
        XCTAssertEqual(e.key, "LOC:临清市")
        var w = JSONWriter()
        e.write(doc: "d1", to: &w)
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self),
                       #"{"doc":"d1","id":"e1","type":"LOC","name":"临清市","key":"LOC:临清市","mentions":["m1","m7"]}"# + "\n")
    }

    /// Ids from a user's file (`lianlu link`) are escaped in every record, though the
    /// records are written from pieces.
    func testRecordsEscapeIdsAndDocument() throws {
        var w = JSONWriter()
        Relation(id: "r\"1", sid: 0, type: .cooperation, args: [("parties", .mentions(["a\\b", "c"]))], rule: "x").write(doc: "d\"q", to: &w)
        Entity(id: "e\n", type: "ORG", name: "甲\"乙", mentions: ["m\t"]).write(doc: "d\"q", to: &w)
        let lines = String(decoding: w.bytes, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines { _ = try JSONParser.parse(Array(line.utf8)) }
        XCTAssertEqual(String(lines[0]), #"{"doc":"d\"q","id":"r\"1","sid":0,"type":"cooperation","args":{"parties":["a\\b","c"]},"rule":"x"}"#)
        XCTAssertEqual(String(lines[1]), #"{"doc":"d\"q","id":"e\n","type":"ORG","name":"甲\"乙","key":"ORG:甲\"乙","mentions":["m\t"]}"#)
    }
}
