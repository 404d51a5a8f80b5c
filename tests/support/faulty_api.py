"""An HTTP API that misbehaves on purpose, for the http connector's tests.

    python3 faulty_api.py PORT HITS_FILE

The first path segment picks the fault: /500/... always answers 500; /busy/... answers 429
(Retry-After: 1) to the first request and [] after; /garbage/... answers HTML; /slow/... waits
5 s; /nodata/... answers JSON without the expected key; /oauth/... needs a bearer token from
POST /oauth/token (OAuth2 client credentials maestro / s3cret), each token good for one request,
and answers two pages (POST /oauth/token also renews with an OAuth2 refresh token: refresh-1
is good once and answered with the next one, refresh-2, as providers that rotate them do);
/cursor/... pages five records two at a time by ?starting_after=. Every request is appended to
HITS_FILE, with the time it arrived for cursor pages.
"""
import urllib.parse
import http.server
import json
import sys
import threading
import time

PORT, HITS = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
busy_seen = set()
tokens = {"issued": 0, "valid": set(), "refresh": "refresh-1"}


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body, content_type="application/json", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if self.path.startswith("/form/"):  # one record for a well-formed form search for Jane
            ok = form.get("email") == ["jane@example.com"] and form.get("filter[email]") == ["jane@example.com"] \
                and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
            items = [{"email": "jane@example.com", "nested": "jane@example.com"}] if ok else []
            return self.answer(200, json.dumps({"items": items}))
        with lock:
            if form.get("grant_type") == ["refresh_token"]:
                with open(HITS, "a") as hits:
                    hits.write("refresh\n")
                if self.path != "/oauth/token" or form.get("refresh_token") != [tokens["refresh"]] or \
                        form.get("client_id") != ["maestro"]:
                    return self.answer(400, '{"error": "invalid_grant"}')
                tokens["issued"] += 1
                token = f"tok-{tokens['issued']}"
                tokens["valid"].add(token)
                tokens["refresh"] = f"refresh-{tokens['issued'] + 1}"
                return self.answer(200, json.dumps({"access_token": token, "refresh_token": tokens["refresh"],
                                                    "expires_in": 3600}))
            with open(HITS, "a") as hits:
                hits.write("token\n")
            if self.path != "/oauth/token" or form.get("grant_type") != ["client_credentials"] or \
                    form.get("client_id") != ["maestro"] or form.get("client_secret") != ["s3cret"]:
                return self.answer(401, '{"error": "invalid_client"}')
            tokens["issued"] += 1
            token = f"tok-{tokens['issued']}"
            tokens["valid"].add(token)
        self.answer(200, json.dumps({"access_token": token, "token_type": "bearer", "expires_in": 3600}))

    def do_GET(self):
        fault = self.path.split("/")[1]
        with lock:
            with open(HITS, "a") as hits:
                hits.write(fault + (f" {time.monotonic():.4f}" if fault == "cursor" else "") + "\n")
        if fault == "cursor":  # five records, two a page, Stripe-style: ?starting_after=<last id>
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            after = int(query.get("starting_after", ["0"])[0])
            page = [{"id": i, "email": "jane@example.com"} for i in range(after + 1, min(after + 3, 6))]
            return self.answer(200, json.dumps({"data": page, "has_more": after + 2 < 5}))
        if fault == "oauth":
            auth = self.headers.get("Authorization", "")
            with lock:
                good = auth.startswith("Bearer ") and auth[7:] in tokens["valid"]
                tokens["valid"].discard(auth[7:])  # one request per token
            if not good:
                return self.answer(401, '{"error": "invalid_token"}')
            second = "page=2" in self.path
            items = [{"email": "jane@example.com", "n": 2 if second else 1}]
            return self.answer(200, json.dumps({"items": items, "next": None if second else "/oauth/contacts?page=2"}))
        if fault == "500":
            self.answer(500, '{"error": "boom"}')
        elif fault == "busy":
            with lock:
                first = "busy" not in busy_seen
                busy_seen.add("busy")
            if first:
                self.answer(429, '{"error": "slow down"}', headers=[("Retry-After", "1")])
            else:
                self.answer(200, json.dumps({"items": []}))
        elif fault == "garbage":
            self.answer(200, "<html>maintenance</html>", "text/html")
        elif fault == "slow":
            time.sleep(5)
            self.answer(200, json.dumps({"items": []}))
        else:
            self.answer(200, json.dumps({"other": []}))

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
