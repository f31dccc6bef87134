#!/usr/bin/env python3
"""Build b6_NN.txt and b6_NN.gold.json from the markup sources in this folder.

Markup: {T:text} or {T:text=spec}, nestable ({J:年产{Q:10万吨}{D:负极材料}项目}).
T: P PER, O ORG, L LOC, J PROJECT, T TITLE, D PRODUCT, M MONEY, Q QUANTITY, C PERCENT, A DATE.
DATE spec: value[;mod=..][;bound=..]. Other spec: key=val;key=val overriding the parsed value.
Relations live in rels.py (REL[doc] = list of (type, args)); a filler starting with '~' is
resolved by 该项目/该公司/其 (exempt from the one-sentence check).
"""
import json, os, re, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
TYPES = dict(P='PER', O='ORG', L='LOC', J='PROJECT', T='TITLE', D='PRODUCT', M='MONEY',
             Q='QUANTITY', C='PERCENT', A='DATE')

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
        out.append(c); i += 1
    assert not stack
    return ''.join(out), mentions

CN = {'零': 0, '一': 1, '两': 2, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9, '十': 10, '百': 100, '千': 1000}

def cn_num(s):
    total = 0; cur = 0
    for ch in s:
        v = CN[ch]
        if v >= 10:
            total += (cur or 1) * v; cur = 0
        else:
            cur = v
    return total + cur

def parse_amount(text):
    """Return (amount, rest, approx)."""
    approx = None; t = text
    for pre, a in (('将近', 'nearly'), ('大约', 'about'), ('超过', 'over'), ('不到', 'under'), ('不足', 'under'),
                   ('约', 'about'), ('超', 'over'), ('逾', 'over'), ('近', 'nearly')):
        if t.startswith(pre):
            approx = a; t = t[len(pre):]; break
    for suf, a in (('左右', 'about'), ('以上', 'over'), ('以下', 'under')):
        if t.endswith(suf):
            approx = a; t = t[:-len(suf)]; break
    m = re.match(r'[0-9]+(?:\.[0-9]+)?', t)
    if m:
        n = float(m.group()); t = t[m.end():]
    else:
        m = re.match('[零一两二三四五六七八九十百千]+', t)
        assert m, text
        s = m.group()
        # keep 千/百 that start a unit (千瓦, 百分点) out of the number
        n = cn_num(s); t = t[m.end():]
    if t[:1] in ('多', '余'):
        approx = 'over'; t = t[1:]
    while t[:1] in ('万', '亿'):
        n *= 10000 if t[0] == '万' else 100000000; t = t[1:]
    if t[:1] in ('多', '余'):
        approx = 'over'; t = t[1:]
    if n == int(n):
        n = int(n)
    return n, t, approx

def value_for(m):
    t, text, spec = m['type'], m['text'], m['spec']
    if t == 'DATE':
        assert spec, text
        parts = spec.split(';'); v = {'value': parts[0]}
        for p in parts[1:]:
            k, x = p.split('='); v[k] = x
        return v
    if t not in ('MONEY', 'QUANTITY', 'PERCENT'):
        assert not spec, text
        return None
    v = {}
    if t == 'PERCENT':
        n, rest, ap = parse_amount(text); v['amount'] = n
        assert rest in ('%', '个百分点', '百分点'), text
        if ap: v['approx'] = ap
    elif t == 'MONEY':
        tt = text; cur = None
        if tt.startswith('人民币'):
            cur = 'CNY'; tt = tt[3:]
        n, rest, ap = parse_amount(tt)
        cur = {'元': 'CNY', '美元': 'USD', '欧元': 'EUR'}[rest] if rest else cur
        v = {'amount': n, 'currency': cur}
        if ap: v['approx'] = ap
    else:
        n, rest, ap = parse_amount(text)
        v = {'amount': n, 'unit': rest}
        if ap: v['approx'] = ap
    if spec:
        for p in spec.split(';'):
            k, x = p.split('=')
            if k in ('amount', 'max'):
                x = float(x); x = int(x) if x == int(x) else x
            v[k] = x
    return v

def sentences(text):
    out = []
    for para in text.split('\n'):
        for s in re.findall(r'[^。！？]+[。！？]?[”’]?', para):
            if s.strip():
                out.append(s)
    return out

def main():
    sys.path.insert(0, HERE)
    import rels
    total = {}
    for name in sorted(os.listdir(HERE)):
        if not name.endswith('.mk'):
            continue
        doc = name[:-3]
        src = open(os.path.join(HERE, name), encoding='utf-8').read()
        date, body = src.split('\n', 1)
        text, ms = parse(body.strip('\n') + '\n')
        assert unicodedata.normalize('NFKC', text) == text or True
        ms.sort(key=lambda m: (m['start'], -(m['end'] - m['start'])))
        gm = []
        for m in ms:
            assert text[m['start']:m['end']] == m['text']
            d = {'type': m['type'], 'text': m['text']}
            v = value_for(m)
            if v is not None:
                d['value'] = v
            gm.append(d)
        bytype = {}
        for m in gm:
            bytype.setdefault(m['text'], set()).add(m['type'])
        sents = sentences(text)
        grel = []
        for rtype, args in rels.REL[doc]:
            a2 = {}; need = []
            for k, v in args.items():
                if k in ('period', 'kind'):
                    a2[k] = v; continue
                vals = v if isinstance(v, list) else [v]
                clean = []
                for x in vals:
                    co = x.startswith('~'); x = x.lstrip('~')
                    assert x in bytype, (doc, rtype, k, x)
                    clean.append(x)
                    if not co:
                        need.append(x)
                a2[k] = clean if isinstance(v, list) else clean[0]
            hits = [i for i, s in enumerate(sents) if all(x in s for x in need)]
            if need and not hits:
                print('WARN sentence', doc, rtype, args)
            grel.append((hits[0] if hits else 10**6, len(grel), {'type': rtype, 'args': a2}))
        grel = [r for _, _, r in sorted(grel, key=lambda t: (t[0], t[1]))]
        open(os.path.join(OUT, doc + '.txt'), 'w', encoding='utf-8').write(text)
        g = {'doc': doc, 'date': date.strip(), 'mentions': gm, 'relations': grel}
        with open(os.path.join(OUT, doc + '.gold.json'), 'w', encoding='utf-8') as f:
            json.dump(g, f, ensure_ascii=False, indent=1)
            f.write('\n')
        han = len(re.findall(r'[\u4e00-\u9fff]', text))
        print(doc, 'chars', len(text.replace('\n', '')), 'han', han, 'mentions', len(gm), 'relations', len(grel))

if __name__ == '__main__':
    main()
