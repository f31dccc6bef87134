#!/usr/bin/env python3
"""Runs Lianlu over a sharded JSONL corpus on Apache Spark.

Each partition of the input (JSONL documents, {"id","text","date","source"} per line) is
piped through one `lianlu pipe` process (Spark's RDD.pipe), which prints every stage's
records tagged with their stage file. The job writes each partition's stage files
(OUT/parts/part-NNNNN/<stage>.jsonl), then the merged files in partition order
(OUT/<stage>.jsonl: the same records, in the same order, as one `lianlu run` over the
shards in that order), and the merged graph with `lianlu export` (OUT/graph.nt).

On a cluster, ship the `lianlu` binary built for the cluster's Linux and the Rules/
folder beside it (spark-submit --files / --archives, or a shared path), and point
--lianlu and --rules at them; the executors need libicu (libicu72 on Debian 12).

usage: spark-submit scripts/spark/lianlu_spark.py --lianlu PATH --rules DIR --out OUT
                    [--partitions N] [--date YYYY-MM-DD] INPUT [INPUT...]
"""
import argparse, os, shlex, shutil, subprocess, sys

STAGES = ['documents.jsonl', 'sentences.jsonl', 'mentions.jsonl', 'relations.jsonl', 'entities.jsonl', 'rejects.jsonl']


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--lianlu', required=True, help='the lianlu binary (on every executor)')
    ap.add_argument('--rules', required=True, help='the Rules/ folder (on every executor)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--partitions', type=int, default=0, help='at least this many partitions (default: one per input split)')
    ap.add_argument('--date', help='reference date for documents without one')
    ap.add_argument('--master', default=None, help='Spark master when not set by spark-submit (local[2] for tests)')
    ap.add_argument('inputs', nargs='+')
    a = ap.parse_args(argv)

    from pyspark import SparkConf, SparkContext
    conf = SparkConf().setAppName('lianlu').set('spark.ui.showConsoleProgress', 'false')
    if a.master:
        conf = conf.setMaster(a.master)
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel('WARN')
    try:
        run(sc, a)
    finally:
        sc.stop()


def run(sc, a):
    # textFile keeps the order of the files and of the lines within each partition.
    rdd = sc.textFile(','.join(os.path.abspath(p) for p in a.inputs), minPartitions=a.partitions or None)
    cmd = [os.path.abspath(a.lianlu), 'pipe', '--jobs', '1', '--rules', os.path.abspath(a.rules)]
    if a.date:
        cmd += ['--date', a.date]
    # One lianlu process per partition; its stderr (rejects, warnings) goes to the executor log.
    # checkCode: a partition whose process fails fails the job, except exit 2 (documents rejected,
    # which are in rejects.jsonl like in a local run).
    # RDD.pipe splits its command like a shell but runs no shell: sh -c does the exit-code mapping.
    script = ' '.join(shlex.quote(c) for c in cmd) + '; c=$?; if [ $c -eq 2 ]; then exit 0; fi; exit $c'
    piped = rdd.pipe('sh -c ' + shlex.quote(script), checkCode=True)
    out = os.path.abspath(a.out)
    parts = os.path.join(out, 'parts')
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(parts)

    def write_partition(index, lines):
        folder = os.path.join(parts, 'part-%05d' % index)
        os.makedirs(folder, exist_ok=True)
        files = {s: open(os.path.join(folder, s), 'w', encoding='utf-8') for s in STAGES}
        n = 0
        for line in lines:
            stage, _, record = line.partition('\t')
            files[stage].write(record + '\n')
            n += 1
        for f in files.values():
            f.close()
        yield (index, n)

    counts = piped.mapPartitionsWithIndex(write_partition).collect()
    # Merge in partition order (driver side: the parts are on a shared file system here;
    # on a cluster, write parts to shared storage and merge the same way).
    for stage in STAGES:
        with open(os.path.join(out, stage), 'wb') as merged:
            for index, _ in sorted(counts):
                with open(os.path.join(parts, 'part-%05d' % index, stage), 'rb') as f:
                    shutil.copyfileobj(f, merged)
    subprocess.run([os.path.abspath(a.lianlu), 'export', '--quiet', '--format', 'ntriples', out, os.path.join(out, 'graph.nt')], check=True)
    print('lianlu-spark: %d partitions, %d records -> %s' % (len(counts), sum(n for _, n in counts), out))


if __name__ == '__main__':
    main()
