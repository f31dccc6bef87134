#!/usr/bin/env python3
"""Build b8_NN.txt and b8_NN.gold.json from the markup sources in this folder.

Copied from Eval/blind7/_src/build.py (same markup); ranges with one multiplier (2至3亿元) added.

Markup: {T:text} or {T:text=spec}, nestable ({J:年产{Q:10万吨}{D:负极材料}项目}).
T: P PER, O ORG, L LOC, J PROJECT, T TITLE, D PRODUCT, M MONEY, Q QUANTITY, C PERCENT, A DATE.
DATE spec: value[;mod=..][;bound=..]. Other spec: key=val;key=val overriding the parsed value.
The first line of a .mk file is the document date.
Relations live in rels.py (REL[doc] = list of (type, args)); a filler starting with '~' is
resolved through 该项目/该公司 (exempt from the one-sentence check).

The .txt keeps the page's full-width punctuation (，（）：；！？); gold texts are written the
way SPEC's normalized text has them (NFKC), so 赣能绿电（吉安）有限公司 is stored as
赣能绿电(吉安)有限公司.
"""
import json, os, re, sys, unicodedata
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
TYPES = dict(P='PER', O='ORG', L='LOC', J='PROJECT', T='TITLE', D='PRODUCT', M='MONEY',
             Q='QUANTITY', C='PERCENT', A='DATE')

def nfkc(s):
    return unicodedata.normalize('NFKC', s)

def parse(src):
    out = []; mentions = []; stack = []; i = 0
    while i < len(src):
        c = src[i]
        if c == '{':
            t = src[i + 1]; assert src[i + 2] == ':', src[i:i + 20]
            stack.append({'type': TYPES[t], 'start': len(''.join(out)), 'spec': None, 'specbuf': None})
            i += 3; continue
        if c == '=' and stack and stack[-1]['specbuf'] is None:
            stack[-1]['specbuf'] = []; stack[-1]['end'] = len(''.join(out)); i += 1; continue
        if c == '}':
            fr = stack.pop()
            if fr['specbuf'] is not None:
                fr['spec'] = ''.join(fr['specbuf'])
            else:
                fr['end'] = len(''.join(out))
            text = ''.join(out)[fr['start']:fr['end']]
            mentions.append({'type': fr['type'], 'text': text, 'start': fr['start'], 'end': fr['end'], 'spec': fr['spec']})
            i += 1; continue
        if stack and stack[-1]['specbuf'] is not None:
            stack[-1]['specbuf'].append(c); i += 1; continue
        assert c not in '=}', src[max(0, i - 20):i + 20]
        out.append(c); i += 1
    assert not stack, stack
    return ''.join(out), mentions

DIG = {'零': 0, '〇': 0, '一': 1, '两': 2, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
UNIT = {'十': 10, '百': 100, '千': 1000}
CNCHARS = '零〇一两二三四五六七八九十百千万亿'

def cn_num(s):
    result = Decimal(0); section = Decimal(0); num = Decimal(0)
    for ch in s:
        if ch in DIG:
            num = Decimal(DIG[ch])
        elif ch in UNIT:
            section += (num if num else 1) * UNIT[ch]; num = 0
        elif ch == '万':
            v = section + num
            result += (v if v else 1) * 10000; section = 0; num = 0
        elif ch == '亿':
            v = result + section + num
            result = (v if v else 1) * 100000000; section = 0; num = 0
    return result + section + num

APPROX_PRE = (('将近', 'nearly'), ('大约', 'about'), ('超过', 'over'), ('不到', 'under'), ('不足', 'under'),
              ('约', 'about'), ('超', 'over'), ('逾', 'over'), ('近', 'nearly'))
APPROX_SUF = (('左右', 'about'), ('以上', 'over'), ('以下', 'under'))

def number(t):
    """Leading number with its multipliers: (Decimal, rest, approx-from-多/余, had_multiplier)."""
    ap = None; mult = False
    m = re.match(r'[0-9]+(?:\.[0-9]+)?', t)
    if m:
        n = Decimal(m.group()); t = t[m.end():]
        if t[:1] in ('多', '余'):
            ap = 'over'; t = t[1:]
        while t[:1] in ('万', '亿'):
            n *= 10000 if t[0] == '万' else 100000000; t = t[1:]; mult = True
    else:
        m = re.match('[%s]+' % CNCHARS, t)
        assert m, t
        s = m.group(); t = t[m.end():]
        n = cn_num(s); mult = any(c in s for c in '万亿')
    if t[:1] in ('多', '余'):
        ap = 'over'; t = t[1:]
    return n, t, ap, mult

def num_json(n):
    n = Decimal(n)
    return int(n) if n == n.to_integral_value() else float(n)

def parse_amount(text):
    """(amount, max or None, unit/currency rest, approx)."""
    approx = None; t = text
    for pre, a in APPROX_PRE:
        if t.startswith(pre):
            approx = a; t = t[len(pre):]; break
    for suf, a in APPROX_SUF:
        if t.endswith(suf):
            approx = a; t = t[:-len(suf)]; break
    if t.startswith('百分之'):
        n, rest, ap, _ = number(t[3:])
        return n, None, '%', approx or ap
    n, rest, ap, mult = number(t)
    mx = None
    if rest[:1] in ('至', '到', '~', '-', '—'):
        # range: 3亿至5亿元, 1亿元至5亿元, 20万至30万吨, 3至5亿元
        left_unit = ''
        rest = rest[1:]
        n2, rest2, ap2, mult2 = number(rest)
        if mult2 and not mult:
            # 2至3亿元: the left side shares the right side's multiplier
            m2 = re.match(r'[0-9.]+((?:万|亿)+)', rest)
            for ch in m2.group(1):
                n *= 10000 if ch == '万' else 100000000
        mx = n2; rest = rest2; ap = ap or ap2
    elif re.match(r'[^0-9]*?(至|到)[0-9一二三四五六七八九十两]', rest):
        # 1亿元至5亿元: unit written on both sides
        u, r2 = re.split('至|到', rest, maxsplit=1)
        n2, rest2, ap2, mult2 = number(r2)
        assert rest2 == u, (text, u, rest2)
        mx = n2; rest = rest2
    return n, mx, rest, approx or ap

CUR = {'元': 'CNY', '美元': 'USD', '欧元': 'EUR', '港元': 'HKD', '港币': 'HKD', '日元': 'JPY', '英镑': 'GBP', '韩元': 'KRW'}

def value_for(m):
    t, text, spec = m['type'], nfkc(m['text']), m['spec']
    if t == 'DATE':
        assert spec, text
        parts = spec.split(';'); v = {'value': parts[0]}
        for p in parts[1:]:
            k, x = p.split('='); v[k] = x
        return v
    if t not in ('MONEY', 'QUANTITY', 'PERCENT'):
        assert not spec, text
        return None
    if t == 'MONEY':
        tt = text; cur = None
        if '人民币' in tt[:5]:
            cur = 'CNY'; tt = tt.replace('人民币', '', 1)
        n, mx, rest, ap = parse_amount(tt)
        cur = CUR[rest] if rest else cur
        assert cur, text
        v = {'amount': num_json(n)}
        if mx is not None: v['max'] = num_json(mx)
        v['currency'] = cur
    elif t == 'PERCENT':
        n, mx, rest, ap = parse_amount(text)
        assert rest == '%', text
        v = {'amount': num_json(n)}
        if mx is not None: v['max'] = num_json(mx)
    else:
        n, mx, rest, ap = parse_amount(text)
        assert rest, text
        v = {'amount': num_json(n)}
        if mx is not None: v['max'] = num_json(mx)
        v['unit'] = rest
    if ap: v['approx'] = ap
    if spec:
        for p in spec.split(';'):
            k, x = p.split('=')
            if k in ('amount', 'max'):
                x = num_json(Decimal(x))
            v[k] = x
    return v

def sentences(text):
    out = []
    for para in text.split('\n'):
        for s in re.findall(r'[^。！？]+[。！？]?[”’]?', para):
            if s.strip():
                out.append(s)
    return out

ROLE_TYPES = {
    'investor': {'ORG', 'LOC'}, 'project': {'PROJECT', 'ORG'}, 'amount': {'MONEY'}, 'location': {'LOC'},
    'date': {'DATE'}, 'subject': {'PROJECT', 'ORG'}, 'product': {'PRODUCT'}, 'quantity': {'QUANTITY', 'MONEY'},
    'person': {'PER'}, 'title': {'TITLE'}, 'org': {'ORG', 'LOC'}, 'entity': {'ORG', 'LOC', 'PROJECT'},
    'parties': {'ORG', 'LOC'}, 'introducer': {'ORG', 'LOC'}, 'origin': {'LOC'},
}
ROLES = {
    'investment': {'investor', 'project', 'amount', 'location', 'date'},
    'output': {'subject', 'product', 'quantity', 'period', 'kind'},
    'position': {'person', 'title', 'org'},
    'located_in': {'entity', 'location'},
    'agreement': {'parties', 'project', 'date'},
    'introduction': {'introducer', 'project', 'origin', 'date'},
    'cooperation': {'parties', 'project'},
}

def main():
    sys.path.insert(0, HERE)
    import rels
    totm = {}; totr = {}
    only = sys.argv[1:]
    for name in sorted(os.listdir(HERE)):
        if not name.endswith('.mk'):
            continue
        doc = name[:-3]
        if only and doc not in only:
            continue
        src = open(os.path.join(HERE, name), encoding='utf-8').read()
        date, body = src.split('\n', 1)
        text, ms = parse(body.strip('\n') + '\n')
        ms.sort(key=lambda m: (m['start'], -(m['end'] - m['start'])))
        gm = []
        for m in ms:
            assert text[m['start']:m['end']] == m['text']
            assert m['text'] == m['text'].strip() and m['text'], (doc, m)
            d = {'type': m['type'], 'text': nfkc(m['text'])}
            v = value_for(m)
            if v is not None:
                d['value'] = v
            gm.append(d)
            totm[m['type']] = totm.get(m['type'], 0) + 1
        bytype = {}
        for m in gm:
            bytype.setdefault(m['text'], set()).add(m['type'])
        sents = sentences(nfkc(text))
        grel = []
        for rtype, args in rels.REL[doc]:
            assert set(args) <= ROLES[rtype], (doc, rtype, args)
            a2 = {}; need = []
            for k, v in args.items():
                if k in ('period', 'kind'):
                    assert v in ('year', 'month', 'day', 'production', 'processing', 'sales', 'output_value'), v
                    a2[k] = v; continue
                vals = v if isinstance(v, list) else [v]
                clean = []
                for x in vals:
                    co = x.startswith('~'); x = nfkc(x.lstrip('~'))
                    assert x in bytype, (doc, rtype, k, x)
                    assert bytype[x] & ROLE_TYPES[k], (doc, rtype, k, x, bytype[x])
                    clean.append(x)
                    if not co:
                        need.append(x)
                a2[k] = clean if (isinstance(v, list) or k == 'parties') else clean[0]
            hits = [i for i, s in enumerate(sents) if all(x in s for x in need)]
            if need and not hits:
                print('WARN sentence', doc, rtype, args)
            grel.append((hits[0] if hits else 10**6, len(grel), {'type': rtype, 'args': a2}))
            totr[rtype] = totr.get(rtype, 0) + 1
        grel = [r for _, _, r in sorted(grel, key=lambda t: (t[0], t[1]))]
        open(os.path.join(OUT, doc + '.txt'), 'w', encoding='utf-8').write(text)
        g = {'doc': doc, 'date': date.strip(), 'mentions': gm, 'relations': grel}
        with open(os.path.join(OUT, doc + '.gold.json'), 'w', encoding='utf-8') as f:
            json.dump(g, f, ensure_ascii=False, indent=1)
            f.write('\n')
        han = len(re.findall(r'[\u4e00-\u9fff]', text))
        print(doc, 'chars', len(text.replace('\n', '')), 'han', han, 'mentions', len(gm), 'relations', len(grel))
    print('mentions', sum(totm.values()), dict(sorted(totm.items())))
    print('relations', sum(totr.values()), dict(sorted(totr.items())))

if __name__ == '__main__':
    main()
