// raftdb from Go: put, get, a compare-and-set txn, a watch, and an exactly-once retry.
//
// Plain grpc-go with stubs generated from proto/ (./generate.sh); no raftdb library. Run against
// a cluster (`npm start` starts one on 127.0.0.1:7001-7003):
//
//	./run.sh --endpoint 127.0.0.1:7001
//
// Any member may be asked: followers forward writes and linearizable reads to the leader. Every
// step prints one line; the program exits 1 on the first surprise.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"

	pb "raftdb.example/gen/raftdb/v1"
)

func check(ok bool, what string, args ...interface{}) {
	if ok {
		fmt.Printf("ok   "+what+"\n", args...)
		return
	}
	fmt.Printf("FAIL "+what+"\n", args...)
	os.Exit(1)
}

func must(err error, what string) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	endpoint := flag.String("endpoint", "127.0.0.1:7001", "a member's gRPC address")
	prefix := flag.String("prefix", "go/", "key prefix for this run")
	flag.Parse()
	p := []byte(*prefix)
	key := func(s string) []byte { return append(append([]byte{}, p...), s...) }

	conn, err := grpc.Dial(*endpoint, grpc.WithInsecure())
	must(err, "dial")
	defer conn.Close()
	kv := pb.NewKVClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Put and get: a linearizable read sees the write.
	put, err := kv.Put(ctx, &pb.PutRequest{Key: key("greeting"), Value: []byte("hello")})
	must(err, "put")
	got, err := kv.Get(ctx, &pb.GetRequest{Key: key("greeting")})
	must(err, "get")
	check(got.Found && string(got.Value) == "hello" && got.ModRevision == put.Header.Revision, "put then get: hello at revision %d", put.Header.Revision)

	// Bytes are bytes: every value 0-255 round-trips.
	blob := make([]byte, 256)
	for i := range blob {
		blob[i] = byte(i)
	}
	_, err = kv.Put(ctx, &pb.PutRequest{Key: key("blob"), Value: blob})
	must(err, "put blob")
	gotBlob, err := kv.Get(ctx, &pb.GetRequest{Key: key("blob")})
	must(err, "get blob")
	check(bytes.Equal(gotBlob.Value, blob), "256 byte values round-trip")

	// Compare-and-set: only the txn that saw version 1 succeeds.
	cas := func(version int64, value string) *pb.TxnResponse {
		r, err := kv.Txn(ctx, &pb.TxnRequest{
			Compare: []*pb.Compare{{Key: key("greeting"), Target: pb.Compare_VERSION, Op: pb.Compare_EQUAL, Number: version}},
			Success: []*pb.RequestOp{{Request: &pb.RequestOp_Put{Put: &pb.PutRequest{Key: key("greeting"), Value: []byte(value)}}}},
			Failure: []*pb.RequestOp{{Request: &pb.RequestOp_Range{Range: &pb.RangeRequest{Key: key("greeting")}}}},
		})
		must(err, "txn")
		return r
	}
	first, second := cas(1, "hi"), cas(1, "too late")
	check(first.Succeeded && !second.Succeeded, "compare-and-set: the first txn wins, the second sees version 2")
	check(string(second.Responses[0].GetRange().Kvs[0].Value) == "hi", "the losing txn's failure branch read the winner's value")

	// Watch a prefix from now on, then change three keys in one txn: three events, one revision.
	now, err := kv.Get(ctx, &pb.GetRequest{Key: key("greeting")})
	must(err, "get")
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	stream, err := kv.Watch(watchCtx, &pb.WatchRequest{Key: key("w/"), Prefix: true, StartRevision: now.Header.Revision + 1})
	must(err, "watch")
	events := make(chan []*pb.WatchEvent, 1)
	go func() {
		var seen []*pb.WatchEvent
		for len(seen) < 3 {
			ev, err := stream.Recv()
			if err != nil {
				break
			}
			seen = append(seen, ev)
		}
		events <- seen
	}()
	var ops []*pb.RequestOp
	for _, k := range []string{"a", "b", "c"} {
		ops = append(ops, &pb.RequestOp{Request: &pb.RequestOp_Put{Put: &pb.PutRequest{Key: key("w/" + k), Value: []byte("v")}}})
	}
	txn, err := kv.Txn(ctx, &pb.TxnRequest{Success: ops})
	must(err, "3-key txn")
	var seen []*pb.WatchEvent
	select {
	case seen = <-events:
	case <-time.After(10 * time.Second):
	}
	check(len(seen) == 3, "watch: 3 events arrived")
	check(string(seen[0].Kv.Key) == string(key("w/a")) && string(seen[1].Kv.Key) == string(key("w/b")) && string(seen[2].Kv.Key) == string(key("w/c")), "watch: every change of the txn, in order")
	sameRev := true
	for _, e := range seen {
		sameRev = sameRev && e.Revision == txn.Header.Revision
	}
	check(sameRev && seen[2].LastInRevision, "watch: one revision, its last change marked")
	check(seen[0].IndexInRevision == 0 && seen[1].IndexInRevision == 1 && seen[2].IndexInRevision == 2, "watch: positions within the revision 0, 1, 2")

	// Exactly once: a retry with the same request id is not applied a second time.
	id := make([]byte, 6)
	_, err = rand.Read(id)
	must(err, "random client id")
	req := &pb.PutRequest{Key: key("once"), Value: []byte("1"), Id: &pb.RequestId{ClientId: "go-" + hex.EncodeToString(id), Seq: 1}}
	a, err := kv.Put(ctx, req)
	must(err, "put once")
	b, err := kv.Put(ctx, req) // as a client that lost the first answer would
	must(err, "retried put")
	once, err := kv.Get(ctx, &pb.GetRequest{Key: key("once")})
	must(err, "get once")
	check(once.Version == 1 && a.Header.Revision == b.Header.Revision && b.Header.Revision == once.ModRevision, "exactly once: the retried put applied once (version 1)")
	fmt.Println("all steps passed")
}
