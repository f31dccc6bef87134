import XCTest
@testable import GraphExport

final class NTriplesTests: XCTestCase {
    func testEscaping() {
        let t = Triple(.iri("https://lianlu.example/id/ORG/临清 市"), "http://schema.org/name", .string("说“好”\n\\"))
        XCTAssertEqual(t.nTriplesLine, "<https://lianlu.example/id/ORG/临清\\u0020市> <http://schema.org/name> \"说“好”\\n\\\\\" .\n")
        XCTAssertEqual(RDFTerm.typed("2020-03", "http://www.w3.org/2001/XMLSchema#gYearMonth").nTriples,
                       "\"2020-03\"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>")
        XCTAssertEqual(RDFTerm.literal("临清", datatype: nil, language: "zh").nTriples, "\"临清\"@zh")
    }
}
