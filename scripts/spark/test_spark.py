#!/usr/bin/env python3
"""The Spark job's output equals one `lianlu run` over the same corpus, record for record.

Builds a JSONL corpus from the Golden inputs (several shards), runs
scripts/spark/lianlu_spark.py on Spark in local mode (local[2], 3+ partitions), runs
`lianlu run` over the same shards, and compares every stage file byte for byte and the
graphs as canonical N-Triples.

usage: scripts/spark/test_spark.py [--bin PATH]   (needs pyspark and Java; scripts/test runs it when Java is present)
"""
import argparse, glob, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lianlu_spark  # noqa: E402


def corpus(folder, shards=3):
    """The Golden texts as JSONL documents, several times over with distinct ids."""
    texts = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'Golden', '*', 'input', '*'))):
        raw = open(path, 'rb').read()
        if path.endswith('.jsonl'):
            for line in raw.decode('utf-8').splitlines():
                if line.strip():
                    d = json.loads(line)
                    texts.append((d['text'], d.get('date')))
            continue
        for enc in ('utf-8', 'utf-16', 'big5', 'gb18030'):
            try:
                texts.append((raw.decode(enc), None))
                break
            except UnicodeDecodeError:
                pass
    texts = [t for t in texts if t[0].strip()]
    paths = []
    n = 0
    for k in range(shards):
        p = os.path.join(folder, 'shard%02d.jsonl' % k)
        with open(p, 'w', encoding='utf-8') as f:
            for _ in range(4):
                for text, date in texts:
                    doc = {'id': 'd%04d' % n, 'text': text, 'source': 'spark-test'}
                    if date:
                        doc['date'] = date
                    f.write(json.dumps(doc, ensure_ascii=False) + '\n')
                    n += 1
        paths.append(p)
    return paths, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bin', default=os.path.join(ROOT, '.build', 'debug', 'lianlu'))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='lianlu-spark-')
    failures = []
    try:
        shards, n = corpus(tmp)
        rules = os.path.join(ROOT, 'Rules')
        spark_out = os.path.join(tmp, 'spark')
        lianlu_spark.main(['--lianlu', a.bin, '--rules', rules, '--out', spark_out, '--partitions', '4',
                           '--date', '2020-03-23', '--master', 'local[2]'] + shards)
        local_out = os.path.join(tmp, 'local')
        subprocess.run([a.bin, 'run', '--quiet', '--jobs', '2', '--rules', rules, '--date', '2020-03-23', '--out', local_out] + shards, check=True)
        subprocess.run([a.bin, 'export', '--quiet', '--format', 'ntriples', local_out, os.path.join(local_out, 'graph.nt')], check=True)
        parts = sorted(glob.glob(os.path.join(spark_out, 'parts', 'part-*')))
        print('spark: %d documents in %d shards, %d partitions' % (n, len(shards), len(parts)))
        if len(parts) < 2:
            failures.append('expected several partitions, got %d' % len(parts))
        for stage in lianlu_spark.STAGES:
            x = open(os.path.join(spark_out, stage), 'rb').read()
            y = open(os.path.join(local_out, stage), 'rb').read()
            same = x == y
            print(('ok      ' if same else 'FAILED  ') + '%s: %d records, equal to the local run' % (stage, x.count(b'\n')))
            if not same:
                failures.append(stage)
        gx = sorted(set(open(os.path.join(spark_out, 'graph.nt'), encoding='utf-8').read().splitlines()))
        gy = sorted(set(open(os.path.join(local_out, 'graph.nt'), encoding='utf-8').read().splitlines()))
        print(('ok      ' if gx == gy else 'FAILED  ') + 'graph.nt: %d triples, the same graph' % len(gx))
        if gx != gy:
            failures.append('graph.nt')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('spark: %d failed' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
