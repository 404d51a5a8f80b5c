"""A stand-in for California's DROP API, answering its documented paths and statuses, for the
drop download/upload tests.

    python3 drop_api.py PORT DIR

GET /data/download with X-API-KEY "test-key" answers 202 (preparing) the first time, 429
(Retry-After: 1) the second, then DIR/download.zip as application/zip, then a JSON "no new data"
message. A wrong key gets 401. POST /data/upload and /data/amend save the request body as
DIR/<upload|amend>-<n>.txt. Every request line goes to DIR/hits.txt.
"""
import http.server
import json
import os
import sys
import threading

PORT, DIR = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
state = {"downloads": 0, "uploads": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def hit(self):
        with lock, open(os.path.join(DIR, "hits.txt"), "a") as f:
            f.write(f"{self.command} {self.path}\n")

    def authorised(self):
        if self.headers.get("X-API-KEY") == "test-key":
            return True
        self.answer(401, json.dumps({"message": "Unauthorized"}))
        return False

    def do_GET(self):
        self.hit()
        if self.path != "/data/download":
            return self.answer(404, json.dumps({"message": "Not Found"}))
        if not self.authorised():
            return
        with lock:
            state["downloads"] += 1
            n = state["downloads"]
        if n == 1:
            return self.answer(202, json.dumps({"message": "Your file is being prepared"}))
        if n == 2:
            return self.answer(429, json.dumps({"message": "Too Many Requests"}), headers=[("Retry-After", "1")])
        if n == 3:
            with open(os.path.join(DIR, "download.zip"), "rb") as f:
                return self.answer(200, f.read(), "application/zip")
        return self.answer(200, json.dumps({"message": "No new data available"}))

    def do_POST(self):
        self.hit()
        if self.path not in ("/data/upload", "/data/amend"):
            return self.answer(404, json.dumps({"message": "Not Found"}))
        if not self.authorised():
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["uploads"] += 1
            name = f"{self.path.rsplit('/', 1)[1]}-{state['uploads']}.txt"
        with open(os.path.join(DIR, name), "wb") as f:
            f.write(self.headers.get("Content-Type", "").encode() + b"\n" + body)
        self.answer(200, json.dumps({"message": "File received"}))

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
