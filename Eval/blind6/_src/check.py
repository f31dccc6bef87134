import os, re, sys, json
sys.path.insert(0, os.path.dirname(__file__))
from build import parse
HERE = os.path.dirname(os.path.abspath(__file__))
pat = re.compile(r'[0-9０-９]+|[一二两三四五六七八九十百千万]+[个家名条人吨亩年月天次项批]|公司|集团|有限|大学|学院|研究[所院]|管委会|政府|委员会|局|协会|商会|[省市县区镇乡村州]|开发区|园区|新区|书记|主任|长|经理|董事|总裁|教授|研究员|记者|通讯员|今年|去年|明年|上月|本月|当天|今天|季度|半年|以来|底|月|日')
for name in sorted(os.listdir(HERE)):
    if not name.endswith('.mk'): continue
    src = open(os.path.join(HERE, name), encoding='utf-8').read()
    date, body = src.split('\n', 1)
    text, ms = parse(body.strip('\n') + '\n')
    cov = [False]*len(text)
    for m in ms:
        for i in range(m['start'], m['end']): cov[i] = True
    print('=====', name)
    for m in pat.finditer(text):
        if not any(cov[m.start():m.end()]):
            ctx = text[max(0, m.start()-8):m.end()+8].replace('\n', '/')
            print(f'  {m.group()}\t{ctx}')
