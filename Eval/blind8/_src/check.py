#!/usr/bin/env python3
"""Re-check helper: list digits, numerals and name-like words that no mention covers,
and repeats of annotated names that were left unmarked."""
import os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build

HERE = os.path.dirname(os.path.abspath(__file__))
for name in sorted(os.listdir(HERE)):
    if not name.endswith('.mk'):
        continue
    if sys.argv[1:] and name[:-3] not in sys.argv[1:]:
        continue
    src = open(os.path.join(HERE, name), encoding='utf-8').read()
    text, ms = build.parse(src.split('\n', 1)[1].strip('\n') + '\n')
    cov = [False] * len(text)
    for m in ms:
        for i in range(m['start'], m['end']):
            cov[i] = True
    def uncovered(pat, label):
        for mt in re.finditer(pat, text):
            if not all(cov[mt.start():mt.end()]):
                s = max(0, mt.start() - 12); e = min(len(text), mt.end() + 12)
                print(f'{name} {label}: {mt.group()!r} ...{text[s:e]}...'.replace('\n', '/'))
    uncovered(r'[0-9]+', 'digit')
    uncovered(r'[一二两三四五六七八九十百千万亿]+(?:个|家|名|项|条|台|吨|亩|年|月|日|天|期|栋|场|户|人|元|次|倍|成)', 'cn-num')
    uncovered(r'[\u4e00-\u9fff]{1,6}(?:省|市|县|区|镇|乡|村|街道|公司|集团|局|委|院|大学|学院|合作社|政府|开发区|园区|新区)', 'name?')
    names = {m['text'] for m in ms if m['type'] in ('PER', 'ORG', 'LOC', 'PROJECT', 'TITLE', 'PRODUCT')}
    for n in sorted(names, key=len, reverse=True):
        for mt in re.finditer(re.escape(n), text):
            if not any(cov[mt.start():mt.end()]):
                s = max(0, mt.start() - 10); e = min(len(text), mt.end() + 10)
                print(f'{name} repeat: {n!r} ...{text[s:e]}...'.replace('\n', '/'))
