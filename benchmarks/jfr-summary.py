#!/usr/bin/env python3
"""Summarises a JFR recording of the gateway (benchmarks/profile.sh): CPU samples by thread, by
category (the leaf-most frame outside JDK/Reactor glue decides), inclusive shares, top leaf frames,
top own (dev.tollgate.*) frames, and allocation by class.
Usage: jfr-summary.py JFR_TOOL FILE.jfr"""
import collections
import json
import re
import subprocess
import sys

JFR, FILE = sys.argv[1], sys.argv[2]


def events(kind, depth=96):
    out = subprocess.run(
        [JFR, "print", "--json", "--stack-depth", str(depth), "--events", kind, FILE],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frames(e):
    st = e["values"].get("stackTrace") or {}
    return [(f["method"]["type"]["name"] + "." + f["method"]["name"]).replace("/", ".")
            for f in st.get("frames", [])]


def thread(e):
    t = e["values"].get("sampledThread") or e["values"].get("eventThread") or {}
    name = t.get("javaName") or t.get("osName") or "?"
    return re.sub(r"-\d+$", "-N", name)


# (category, class-name prefixes); first match from the leaf upwards wins
CATEGORIES = [
    ("Spring Security", ("org.springframework.security.",)),
    ("Router / WebFlux dispatch", ("org.springframework.web.reactive.", "org.springframework.web.server.",
                                   "org.springframework.http.server.", "org.springframework.web.util.",
                                   "org.springframework.util.", "org.springframework.core.",
                                   "org.springframework.http.")),
    ("WebClient / codecs", ("org.springframework.web.reactive.function.client.", "org.springframework.http.codec.")),
    ("JSON (Jackson)", ("tools.jackson.", "com.fasterxml.jackson.")),
    ("Tokenizer", ("com.knuddels.jtokkit.",)),
    ("Redis client (Lettuce)", ("io.lettuce.",)),
    ("PostgreSQL (R2DBC)", ("io.r2dbc.", "org.postgresql.")),
    ("Logging", ("ch.qos.logback.", "org.slf4j.", "org.apache.logging.")),
    ("Metrics / observation", ("io.micrometer.",)),
    ("Reactor Netty HTTP", ("reactor.netty.",)),
    ("Netty (I/O, buffers, event loop)", ("io.netty.",)),
    ("gateway own code", ("dev.tollgate.",)),
]
GLUE = ("java.", "jdk.", "sun.", "reactor.core.", "reactor.util.", "kotlin.")


# pipeline steps, counted when any frame of the sample matches (a sample can be in several)
STEPS = [
    ("Spring Security filter chain", ("org.springframework.security.",)),
    ("functional router (RouterFunctionMapping)", ("org.springframework.web.reactive.function.server.support.RouterFunctionMapping.getHandler",
                                                   "org.springframework.web.reactive.function.server.RouterFunctions$")),
    ("API key auth (ApiKeyAuthFilter, key store)", ("dev.tollgate.gateway.auth.",)),
    ("request JSON parse (JsonBodies, Jackson)", ("dev.tollgate.gateway.json.JsonBodies", "tools.jackson.")),
    ("prompt tokenization (TokenEstimator)", ("dev.tollgate.adapter.tokens.",)),
    ("Redis: Lettuce client + own script calls", ("io.lettuce.", "dev.tollgate.billing.redis.")),
    ("PostgreSQL (R2DBC: ledger, outbox)", ("io.r2dbc.", "dev.tollgate.billing.ledger.")),
    ("upstream HTTP client (Reactor Netty client)", ("reactor.netty.http.client.", "dev.tollgate.adapter.internal.UpstreamHttp")),
    ("SSE parse / re-serialisation (decoder, relay, batches)", ("dev.tollgate.adapter.openai.OpenAiStream", "dev.tollgate.adapter.sse.",
                                                             "dev.tollgate.adapter.internal.EventBatch", "dev.tollgate.gateway.relay.StreamRelay")),
    ("server HTTP codec (Netty HttpServerCodec, header timeout)", ("io.netty.handler.codec.http.", "dev.tollgate.gateway.web.internal.HeaderReadTimeout$Bytes")),
    ("response write path (ChannelSendOperator, flush)", ("org.springframework.http.server.reactive.ChannelSendOperator", "reactor.netty.channel.MonoSendMany",
                                                          "io.netty.channel.AbstractChannelHandlerContext.flush")),
    ("Netty tasks handed across threads (PromiseTask, execute)", ("io.netty.util.concurrent.PromiseTask.run", "io.netty.util.concurrent.SingleThreadEventExecutor.execute")),
    ("logging (Logback, SLF4J)", ("ch.qos.logback.", "org.slf4j.")),
    ("metrics / observation (Micrometer)", ("io.micrometer.",)),
]


def category(fs):
    for f in fs:
        if f.startswith(GLUE):
            continue
        for name, prefixes in CATEGORIES:
            if f.startswith(prefixes):
                return name
        return "other: " + ".".join(f.split(".")[:3])
    if any(f.startswith("reactor.core.") for f in fs):
        return "Reactor operators (only glue on the stack)"
    return "JDK only: " + (fs[0] if fs else "?")


def pct(n, total):
    return "%5.1f%%" % (100.0 * n / total if total else 0)


def table(title, counter, total, n=25):
    print("\n== %s" % title)
    for k, v in counter.most_common(n):
        print("  %s  %6d  %s" % (pct(v, total), v, k))


samples = events("jdk.ExecutionSample")
total = len(samples)
print("execution samples: %d" % total)
by_thread, by_cat, leaf, own_leaf, inclusive, own_incl = (collections.Counter() for _ in range(6))
by_thread_cat = collections.defaultdict(collections.Counter)
steps = collections.Counter()
for e in samples:
    fs = frames(e)
    t = thread(e)
    c = category(fs)
    by_thread[t] += 1
    by_cat[c] += 1
    by_thread_cat[t][c] += 1
    if fs:
        leaf[fs[0]] += 1
    own = next((f for f in fs if f.startswith("dev.tollgate.") and "$$Lambda" not in f), None)
    if own:
        own_leaf[own] += 1
    for name, prefixes in STEPS:
        if any(f.startswith(prefixes) for f in fs):
            steps[name] += 1
    seen = set()
    for f in fs:
        for name, prefixes in CATEGORIES:
            if f.startswith(prefixes):
                seen.add(name)
        if f.startswith("dev.tollgate.") and "$$Lambda" not in f:
            seen.add("own: " + f.rsplit(".", 1)[0])
    for s in seen:
        (own_incl if s.startswith("own: ") else inclusive)[s] += 1

table("CPU samples by thread", by_thread, total)
table("CPU samples by category (leaf-most non-glue frame)", by_cat, total, 40)
for t, c in by_thread.most_common(3):
    table("categories on %s" % t, by_thread_cat[t], c, 12)
table("pipeline steps: samples with the step anywhere on the stack", steps, total)
table("inclusive: samples with the category anywhere on the stack", inclusive, total)
table("inclusive: own classes anywhere on the stack", own_incl, total, 40)
table("top leaf frames", leaf, total, 30)
table("leaf-most own (dev.tollgate.*) frame", own_leaf, total, 30)

alloc = events("jdk.ObjectAllocationSample", 24)
weight = collections.Counter()
alloc_own = collections.Counter()
for e in alloc:
    w = e["values"].get("weight", 0)
    weight[e["values"]["objectClass"]["name"].replace("/", ".")] += w
    own = next((f for f in frames(e) if f.startswith("dev.tollgate.") and "$$Lambda" not in f),
               "(no own frame)")
    alloc_own[own] += w
wt = sum(weight.values())
print("\nallocation samples: %d, weight %.1f MiB" % (len(alloc), wt / 1048576))
table("allocation weight by class", weight, wt, 20)
table("allocation weight by leaf-most own frame", alloc_own, wt, 20)
