"""raftdb from Python: put, get, a compare-and-set txn, a watch, and an exactly-once retry.

Plain grpcio with stubs generated from proto/ (./generate.sh); no raftdb library. Run against a
cluster (`npm start` starts one on 127.0.0.1:7001-7003):

    .venv/bin/python raftdb_example.py --endpoint 127.0.0.1:7001

Any member may be asked: followers forward writes and linearizable reads to the leader. Every
step prints one line; the script exits 1 on the first surprise.
"""
import argparse
import os
import sys
import threading
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import grpc  # noqa: E402
from raftdb.v1 import kv_pb2, kv_pb2_grpc  # noqa: E402


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="127.0.0.1:7001")
    parser.add_argument("--prefix", default="py/")
    args = parser.parse_args()
    p = args.prefix.encode()
    kv = kv_pb2_grpc.KVStub(grpc.insecure_channel(args.endpoint))
    timeout = 10

    # Put and get: a linearizable read sees the write.
    put = kv.Put(kv_pb2.PutRequest(key=p + b"greeting", value=b"hello"), timeout=timeout)
    got = kv.Get(kv_pb2.GetRequest(key=p + b"greeting"), timeout=timeout)
    check(got.found and got.value == b"hello" and got.mod_revision == put.header.revision, "put then get: hello at revision %d" % put.header.revision)

    # Bytes are bytes: every value 0-255 round-trips.
    blob = bytes(range(256))
    kv.Put(kv_pb2.PutRequest(key=p + b"blob", value=blob), timeout=timeout)
    check(kv.Get(kv_pb2.GetRequest(key=p + b"blob"), timeout=timeout).value == blob, "256 byte values round-trip")

    # Compare-and-set: only the txn that saw version 1 succeeds.
    cas = lambda version, value: kv.Txn(kv_pb2.TxnRequest(  # noqa: E731
        compare=[kv_pb2.Compare(key=p + b"greeting", target=kv_pb2.Compare.VERSION, op=kv_pb2.Compare.EQUAL, number=version)],
        success=[kv_pb2.RequestOp(put=kv_pb2.PutRequest(key=p + b"greeting", value=value))],
        failure=[kv_pb2.RequestOp(range=kv_pb2.RangeRequest(key=p + b"greeting"))]), timeout=timeout)
    first, second = cas(1, b"hi"), cas(1, b"too late")
    check(first.succeeded and not second.succeeded, "compare-and-set: the first txn wins, the second sees version 2")
    check(second.responses[0].range.kvs[0].value == b"hi", "the losing txn's failure branch read the winner's value")

    # Watch a prefix from now on, then change three keys in one txn: three events, one revision.
    start = kv.Get(kv_pb2.GetRequest(key=p + b"greeting"), timeout=timeout).header.revision + 1
    events, done = [], threading.Event()

    def watch():
        for ev in kv.Watch(kv_pb2.WatchRequest(key=p + b"w/", prefix=True, start_revision=start), timeout=timeout):
            events.append(ev)
            if len(events) == 3:
                done.set()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ops = [kv_pb2.RequestOp(put=kv_pb2.PutRequest(key=p + b"w/" + k, value=b"v")) for k in (b"a", b"b", b"c")]
    txn = kv.Txn(kv_pb2.TxnRequest(success=ops), timeout=timeout)
    check(done.wait(timeout), "watch: 3 events arrived")
    check([e.kv.key for e in events] == [p + b"w/a", p + b"w/b", p + b"w/c"], "watch: every change of the txn, in order")
    check(all(e.revision == txn.header.revision for e in events) and events[-1].last_in_revision, "watch: one revision, its last change marked")
    check([e.index_in_revision for e in events] == [0, 1, 2], "watch: positions within the revision 0, 1, 2")

    # Exactly once: a retry with the same request id is not applied a second time.
    rid = kv_pb2.RequestId(client_id="python-" + uuid.uuid4().hex[:12], seq=1)
    req = kv_pb2.PutRequest(key=p + b"once", value=b"1", id=rid)
    a = kv.Put(req, timeout=timeout)
    b = kv.Put(req, timeout=timeout)  # as a client that lost the first answer would
    once = kv.Get(kv_pb2.GetRequest(key=p + b"once"), timeout=timeout)
    check(once.version == 1 and a.header.revision == b.header.revision == once.mod_revision, "exactly once: the retried put applied once (version 1)")
    print("all steps passed", flush=True)


if __name__ == "__main__":
    main()
