"""
A test server that speaks the subset of Qdrant's REST API used by QdrantVectorStore, backed by Qdrant's own
engine embedded in-process (PyPI `qdrant-edge-py`). Requests are translated 1:1 into qdrant-edge calls: the
filtering, HNSW/sparse search, IDF and RRF fusion are Qdrant's code, the HTTP layer and JSON shapes are ours.

    python3 qdrant_edge_server.py --data-dir /tmp/x [--port 0]

Prints `LISTENING <port>` on stdout once ready. Only stdlib + qdrant_edge.
"""
import argparse
import json
import os
import re
import shutil
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import qdrant_edge as q

LOCK = threading.Lock()
SHARDS = {}  # name -> (EdgeShard, config dict)
DATA_DIR = ""
DISTANCES = {"Cosine": q.Distance.Cosine, "Dot": q.Distance.Dot, "Euclid": q.Distance.Euclid, "Manhattan": q.Distance.Manhattan}
SCHEMAS = {"keyword": q.PayloadSchemaType.Keyword, "integer": q.PayloadSchemaType.Integer, "float": q.PayloadSchemaType.Float,
           "bool": q.PayloadSchemaType.Bool, "text": q.PayloadSchemaType.Text, "uuid": q.PayloadSchemaType.Uuid}


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def collection_dir(name):
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise ApiError(422, f"invalid collection name {name!r}")
    return os.path.join(DATA_DIR, name)


def get_shard(name):
    if name not in SHARDS:
        raise ApiError(404, f"Not found: Collection `{name}` doesn't exist!")
    return SHARDS[name]


# ---------------------------------------------------------------- JSON -> qdrant_edge
def to_filter(f):
    if f is None:
        return None
    return q.Filter(
        must=[to_condition(c) for c in f.get("must") or []] or None,
        should=[to_condition(c) for c in f.get("should") or []] or None,
        must_not=[to_condition(c) for c in f.get("must_not") or []] or None,
    )


def to_condition(c):
    if any(k in c for k in ("must", "should", "must_not")):
        return to_filter(c)
    if "has_id" in c:
        return q.HasIdCondition(set(c["has_id"]))
    if "is_empty" in c:
        return q.IsEmptyCondition(c["is_empty"]["key"])
    if "is_null" in c:
        return q.IsNullCondition(c["is_null"]["key"])
    key, match = c.get("key"), c.get("match")
    if key is None or match is None:
        raise ApiError(400, f"unsupported condition {json.dumps(c)}")
    if "value" in match:
        m = q.MatchValue(match["value"])
    elif "any" in match:
        m = q.MatchAny(match["any"])
    elif "except" in match:
        m = q.MatchExcept(match["except"])
    elif "text" in match:
        m = q.MatchText(match["text"])
    else:
        raise ApiError(400, f"unsupported match {json.dumps(match)}")
    return q.FieldCondition(key, match=m)


def to_vector(v):
    if isinstance(v, dict) and "indices" in v:
        return q.SparseVector(v["indices"], [float(x) for x in v["values"]])
    if isinstance(v, list):
        return [float(x) for x in v]
    raise ApiError(400, "unsupported vector")


def to_point_vector(v):
    if isinstance(v, dict) and "indices" not in v:
        return {name: to_vector(x) for name, x in v.items()}
    return to_vector(v)


def to_query(body):
    query = body.get("query")
    using = body.get("using")
    if query is None:
        return None
    if isinstance(query, dict) and "fusion" in query:
        if query["fusion"] == "rrf":
            return q.Fusion.Rrf(k=2)
        if query["fusion"] == "dbsf":
            return q.Fusion.Dbsf()
    if isinstance(query, dict) and "rrf" in query:
        rrf = query["rrf"] or {}
        return q.Fusion.Rrf(k=int(rrf.get("k") or 2), weights=rrf.get("weights"))
    if isinstance(query, dict) and "nearest" in query:
        query = query["nearest"]
    return q.Query.Nearest(to_vector(query), using=using)


def to_prefetch(p):
    return q.Prefetch(limit=int(p.get("limit", 10)), query=to_query(p), filter=to_filter(p.get("filter")),
                      prefetches=[to_prefetch(x) for x in p.get("prefetch") or []] or None,
                      score_threshold=p.get("score_threshold"))


def json_id(i):
    return str(i) if isinstance(i, uuid.UUID) else i


def json_vector(v):
    if v is None:
        return None
    if isinstance(v, dict):
        return {k: json_vector(x) for k, x in v.items()}
    if isinstance(v, q.SparseVector):
        return {"indices": list(v.indices), "values": list(v.values)}
    return v


def json_point(p, scored):
    out = {"id": json_id(p.id), "payload": p.payload, "vector": json_vector(p.vector)}
    if scored:
        out["score"] = p.score
        out["version"] = p.version
    return out


def with_payload(body):
    wp = body.get("with_payload", True if "with_payload" not in body else body["with_payload"])
    return wp if isinstance(wp, (bool, list)) else True


# ---------------------------------------------------------------- handlers
def create_collection(name, body):
    path = collection_dir(name)
    if name in SHARDS:
        raise ApiError(409, f"Wrong input: Collection `{name}` already exists!")
    vectors = body.get("vectors") or {}
    if "size" in vectors:
        vectors = {"": vectors}
    dense = {n: q.EdgeVectorParams(size=int(v["size"]), distance=DISTANCES[v.get("distance", "Cosine")]) for n, v in vectors.items()}
    sparse = {n: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf if (v or {}).get("modifier") == "idf" else None)
              for n, v in (body.get("sparse_vectors") or {}).items()}
    shard = q.EdgeShard.create(path, q.EdgeConfig(vectors=dense or None, sparse_vectors=sparse or None))
    config = {"vectors": body.get("vectors") or {}, "sparse_vectors": body.get("sparse_vectors") or {}, "payload_schema": {}}
    SHARDS[name] = (shard, config)
    return True


def collection_info(name):
    shard, config = get_shard(name)
    info = shard.info()
    return {
        "status": "green", "optimizer_status": "ok", "points_count": info.points_count,
        "indexed_vectors_count": info.indexed_vectors_count, "segments_count": info.segments_count,
        "config": {"params": {"vectors": config["vectors"], "sparse_vectors": config["sparse_vectors"]}},
        "payload_schema": {k: {"data_type": v, "points": 0} for k, v in config["payload_schema"].items()},
    }


def delete_collection(name):
    if name not in SHARDS:
        return False
    shard, _ = SHARDS.pop(name)
    shard.close()
    shutil.rmtree(collection_dir(name), ignore_errors=True)
    return True


def create_index(name, body):
    shard, config = get_shard(name)
    schema = body.get("field_schema")
    schema_name = schema if isinstance(schema, str) else (schema or {}).get("type")
    if schema_name not in SCHEMAS:
        raise ApiError(400, f"unsupported field_schema {schema!r}")
    shard.update(q.UpdateOperation.create_field_index(body["field_name"], SCHEMAS[schema_name]))
    config["payload_schema"][body["field_name"]] = schema_name
    return {"operation_id": 0, "status": "completed"}


def upsert(name, body):
    shard, _ = get_shard(name)
    points = [q.Point(p["id"], to_point_vector(p["vector"]), p.get("payload")) for p in body.get("points", [])]
    if points:
        shard.update(q.UpdateOperation.upsert_points(points))
    return {"operation_id": 0, "status": "completed"}


def delete_points(name, body):
    shard, _ = get_shard(name)
    if "filter" in body:
        shard.update(q.UpdateOperation.delete_points_by_filter(to_filter(body["filter"])))
    elif "points" in body:
        shard.update(q.UpdateOperation.delete_points(body["points"]))
    else:
        raise ApiError(400, "delete needs `filter` or `points`")
    return {"operation_id": 0, "status": "completed"}


def query(name, body):
    shard, _ = get_shard(name)
    req = q.QueryRequest(
        limit=int(body.get("limit", 10)), offset=body.get("offset"), query=to_query(body),
        prefetches=[to_prefetch(p) for p in body.get("prefetch") or []] or None,
        filter=to_filter(body.get("filter")), with_payload=with_payload(body),
        with_vector=body.get("with_vector", False), score_threshold=body.get("score_threshold"))
    return {"points": [json_point(p, True) for p in shard.query(req)]}


def count(name, body):
    shard, _ = get_shard(name)
    return {"count": shard.count(q.CountRequest(exact=True, filter=to_filter(body.get("filter"))))}


def scroll(name, body):
    shard, _ = get_shard(name)
    points, next_offset = shard.scroll(q.ScrollRequest(
        offset=body.get("offset"), limit=int(body.get("limit", 10)), filter=to_filter(body.get("filter")),
        with_payload=with_payload(body), with_vector=body.get("with_vector", False)))
    return {"points": [json_point(p, False) for p in points], "next_page_offset": json_id(next_offset)}


ROUTES = [
    ("GET", r"/", lambda m, b: {"title": "qdrant-edge test server", "version": "edge-" + getattr(q, "__version__", "0.9")}),
    ("GET", r"/collections", lambda m, b: {"collections": [{"name": n} for n in SHARDS]}),
    ("GET", r"/collections/([^/]+)/exists", lambda m, b: {"exists": m.group(1) in SHARDS}),
    ("GET", r"/collections/([^/]+)", lambda m, b: collection_info(m.group(1))),
    ("PUT", r"/collections/([^/]+)", lambda m, b: create_collection(m.group(1), b)),
    ("DELETE", r"/collections/([^/]+)", lambda m, b: delete_collection(m.group(1))),
    ("PUT", r"/collections/([^/]+)/index", lambda m, b: create_index(m.group(1), b)),
    ("PUT", r"/collections/([^/]+)/points", lambda m, b: upsert(m.group(1), b)),
    ("POST", r"/collections/([^/]+)/points/delete", lambda m, b: delete_points(m.group(1), b)),
    ("POST", r"/collections/([^/]+)/points/query", lambda m, b: query(m.group(1), b)),
    ("POST", r"/collections/([^/]+)/points/count", lambda m, b: count(m.group(1), b)),
    ("POST", r"/collections/([^/]+)/points/scroll", lambda m, b: scroll(m.group(1), b)),
]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout for the port only
        pass

    def _handle(self, method):
        started = time.time()
        path = urlparse(self.path).path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
            for route_method, pattern, fn in ROUTES:
                m = re.fullmatch(pattern, path)
                if route_method == method and m:
                    with LOCK:
                        result = fn(m, body)
                    self._send(200, {"result": result, "status": "ok", "time": time.time() - started})
                    return
            raise ApiError(404, f"no route for {method} {path}")
        except ApiError as e:
            self._send(e.status, {"status": {"error": str(e)}, "time": time.time() - started})
        except json.JSONDecodeError as e:
            self._send(400, {"status": {"error": f"Format error in JSON body: {e}"}, "time": 0})
        except Exception as e:  # the engine's own errors (wrong dimension, bad filter...) surface as 400 like Qdrant
            self._send(400, {"status": {"error": f"Wrong input: {e}"}, "time": time.time() - started})

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._handle("GET")

    def do_PUT(self):
        self._handle("PUT")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")


def main():
    global DATA_DIR
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    DATA_DIR = args.data_dir
    os.makedirs(DATA_DIR, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for shard, _ in SHARDS.values():
            shard.close()


if __name__ == "__main__":
    sys.exit(main())
