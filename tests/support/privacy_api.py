"""A local stand-in for a SaaS API whose Fides config erases and records consent by identifier
(issue 29): the shapes of Segment's regulations (a GDPR delete at another host, with its own
basic authentication), Ada's data-subject request (a delete without a read) and Klaviyo's
suppression jobs (opt-out and opt-in).

    python3 privacy_api.py PORT TOKEN DELETE_SECRET

GET  /v1/profiles?email=   the profiles with that email ({"profiles": [...]}); bearer TOKEN
POST /v1beta/workspaces/{workspace}/regulations   a GDPR delete: {"attributes": {"values": [email]}};
     basic DELETE_SECRET: (the request's own authentication); the profiles go at once
POST /api/v1/data-subject-request   {"type": "ERASURE", "email": ...}; bearer TOKEN
POST /api/suppressions/create, /api/suppressions/delete   {"email": ...}; bearer TOKEN
GET  /v1/activity?email=   starts a job ({"job": {"id": ...}}) that finds the person's events;
     GET /v1/jobs/{id} answers {"state": "running"} twice, then "done" (never for stuck@example.com);
     GET /v1/jobs/{id}/result answers {"events": [...]}
DELETE /v1/activity/{id}   starts a deletion ({"deletion": ...}); GET /v1/deletions/{id} answers
     {"finished": false} once, then true, and the event is gone from then on
GET  /_log   every request received: method, path, the authentication it carried, its body
"""
import base64
import http.server
import json
import sys
import threading
import urllib.parse

PORT, TOKEN, DELETE_SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
profiles = [{"id": 1, "email": "jane@example.com", "name": "Jane Example", "plan": "pro"},
            {"id": 2, "email": "bob@example.com", "name": "Bob Other", "plan": "free"}]
suppressed = set()
log = []
events = [{"id": 11, "email": "jane@example.com", "page": "/checkout"},
          {"id": 12, "email": "jane@example.com", "page": "/account"},
          {"id": 13, "email": "bob@example.com", "page": "/"}]
jobs = {}       # id -> {"email", "polls"}
deletions = {}  # id -> {"event", "polls"}


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def auth(self):
        given = self.headers.get("Authorization", "")
        if given == "Bearer " + TOKEN:
            return "bearer"
        if given == "Basic " + base64.b64encode((DELETE_SECRET + ":").encode()).decode():
            return "basic"
        return "none"

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        text = self.rfile.read(length).decode() if length else ""
        return json.loads(text) if text else None

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/_log":
            with lock:
                return self.answer(200, log)
        with lock:
            log.append({"method": "GET", "path": url.path, "auth": self.auth(), "query": url.query})
        if self.auth() != "bearer":
            return self.answer(401, {"error": "unauthorized"})
        if url.path == "/v1/activity":
            email = urllib.parse.parse_qs(url.query).get("email", [""])[0]
            with lock:
                job = "job-%d" % (len(jobs) + 1)
                jobs[job] = {"email": email, "polls": 0}
            return self.answer(202, {"job": {"id": job}})
        parts = url.path.strip("/").split("/")
        if len(parts) >= 3 and parts[:2] == ["v1", "jobs"] and parts[2] in jobs:
            with lock:
                job = jobs[parts[2]]
                if len(parts) == 4 and parts[3] == "result":
                    return self.answer(200, {"events": [e for e in events if e["email"] == job["email"]]})
                job["polls"] += 1
                done = job["polls"] > 2 and job["email"] != "stuck@example.com"
            return self.answer(200, {"state": "done" if done else "running"})
        if len(parts) == 3 and parts[:2] == ["v1", "deletions"] and parts[2] in deletions:
            with lock:
                deletion = deletions[parts[2]]
                deletion["polls"] += 1
                finished = deletion["polls"] > 1
                if finished:
                    events[:] = [e for e in events if e["id"] != deletion["event"]]
            return self.answer(200, {"finished": finished})
        if url.path == "/v1/profiles":
            email = urllib.parse.parse_qs(url.query).get("email", [""])[0]
            with lock:
                return self.answer(200, {"profiles": [p for p in profiles if p["email"] == email]})
        return self.answer(404, {"error": "not found"})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.body()
        auth = self.auth()
        with lock:
            log.append({"method": "POST", "path": url.path, "auth": auth, "body": body})
        if url.path.startswith("/v1beta/workspaces/") and url.path.endswith("/regulations"):
            if auth != "basic":
                return self.answer(401, {"error": "the regulations API takes its own credentials"})
            values = body["attributes"]["values"]
            with lock:
                profiles[:] = [p for p in profiles if p["email"] not in values]
            return self.answer(200, {"data": {"regulateId": "reg-1"}})
        if auth != "bearer":
            return self.answer(401, {"error": "unauthorized"})
        if url.path == "/api/v1/data-subject-request":
            return self.answer(200, {"status": "accepted"})
        if url.path == "/api/suppressions/create":
            with lock:
                suppressed.add(body["email"])
            return self.answer(202, {})
        if url.path == "/api/suppressions/delete":
            with lock:
                suppressed.discard(body["email"])
            return self.answer(202, {})
        return self.answer(404, {"error": "not found"})

    def do_DELETE(self):
        url = urllib.parse.urlparse(self.path)
        with lock:
            log.append({"method": "DELETE", "path": url.path, "auth": self.auth()})
        if self.auth() != "bearer":
            return self.answer(401, {"error": "unauthorized"})
        parts = url.path.strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["v1", "activity"]:
            with lock:
                deletion = "del-%d" % (len(deletions) + 1)
                deletions[deletion] = {"event": int(parts[2]), "polls": 0}
            return self.answer(202, {"deletion": deletion})
        return self.answer(404, {"error": "not found"})

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
