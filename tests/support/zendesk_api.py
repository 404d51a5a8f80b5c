"""A local stand-in for the parts of Zendesk's API that Fides' Zendesk config calls, with
generated data, for the http connector's end-to-end test.

    python3 zendesk_api.py PORT USERNAME API_KEY [FAILING_TICKET]

Paths and answer shapes follow Zendesk's documentation: /api/v2/users/search.json?query=
({"users": [...]}), /api/v2/users/{id}/identities.json and /tickets/requested.json and
/api/v2/tickets/{id}/comments.json (cursor pages of two, links.next, meta.has_more),
/api/v2/users/count, DELETE /api/v2/users/{id}.json and /api/v2/tickets/{id}.json. Basic
authentication with USERNAME:API_KEY, else 401. GET /_state answers the data and the Host each
DELETE was sent to (for the test).
With FAILING_TICKET, deleting that ticket answers 500 the first five times (an outage mid-erasure).
"""
import base64
import http.server
import json
import sys
import threading
import urllib.parse

PORT, USERNAME, API_KEY = int(sys.argv[1]), sys.argv[2], sys.argv[3]
FAILING = int(sys.argv[4]) if len(sys.argv) > 4 else None
failures_left = [5]
PAGE = 2
lock = threading.Lock()

users, identities, tickets, comments = [], [], [], []
delete_hosts = []
for i in range(1, 21):
    email = "jane@example.com" if i == 7 else f"user{i}@example.com"
    users.append({"id": 1000 + i, "name": f"User {i}", "email": email, "phone": f"+1555000{i:04d}",
                  "role": "end-user", "verified": True, "tags": []})
    for k in range(3 if i == 7 else 1):
        identities.append({"id": 5000 + i * 10 + k, "user_id": 1000 + i, "type": "email",
                           "value": email if k == 0 else f"alias{k}.{email}"})
    for t in range(7 if i == 7 else 2):
        ticket_id = 20000 + i * 100 + t
        tickets.append({"id": ticket_id, "requester_id": 1000 + i, "subject": f"Order question {t}",
                        "description": f"Where is order {t}?", "status": "solved"})
        comments.append({"id": 90000 + ticket_id, "ticket_id": ticket_id, "author_id": 1000 + i,
                         "body": f"Hello, about ticket {ticket_id}", "public": True})


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.answer(401, {"error": "Couldn't authenticate you"})
        return False

    def page(self, items, key, url):
        query = urllib.parse.parse_qs(url.query)
        after = int(query.get("page[after]", ["0"])[0])
        chunk = items[after:after + PAGE]
        more = after + PAGE < len(items)
        base = f"http://127.0.0.1:{PORT}{url.path}"
        following = base + "?" + urllib.parse.urlencode({"page[size]": PAGE, "page[after]": after + PAGE})
        self.answer(200, {key: chunk, "meta": {"has_more": more},
                          "links": {"next": following if more else None}})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        parts = url.path.strip("/").split("/")
        if url.path == "/_state":
            return self.answer(200, {"users": users, "tickets": tickets, "identities": identities,
                                     "comments": comments, "delete_hosts": delete_hosts})
        if not self.authorised():
            return
        with lock:
            if url.path == "/api/v2/users/count":
                return self.answer(200, {"count": {"value": len(users)}})
            if url.path == "/api/v2/users/search.json":
                wanted = urllib.parse.parse_qs(url.query).get("query", [""])[0]
                return self.answer(200, {"users": [u for u in users if u["email"] == wanted], "count": 1})
            if len(parts) == 5 and parts[2] == "users" and parts[4] == "identities.json":
                user = int(parts[3])
                return self.page([x for x in identities if x["user_id"] == user], "identities", url)
            if len(parts) == 6 and parts[2] == "users" and parts[4] == "tickets" and parts[5] == "requested.json":
                user = int(parts[3])
                return self.page([t for t in tickets if t["requester_id"] == user], "tickets", url)
            if len(parts) == 5 and parts[2] == "tickets" and parts[4] == "comments.json":
                ticket = int(parts[3])
                return self.page([c for c in comments if c["ticket_id"] == ticket], "comments", url)
        self.answer(404, {"error": "RecordNotFound"})

    def do_DELETE(self):
        if not self.authorised():
            return
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        with lock:
            delete_hosts.append([parts[2] if len(parts) > 2 else "", self.headers.get("Host", "")])
            if len(parts) == 4 and parts[2] in ("users", "tickets") and parts[3].endswith(".json"):
                target = int(parts[3][:-5])
                if target == FAILING and failures_left[0] > 0:
                    failures_left[0] -= 1
                    return self.answer(500, {"error": "InternalError"})
                table = users if parts[2] == "users" else tickets
                found = [x for x in table if x["id"] == target]
                if not found:
                    return self.answer(404, {"error": "RecordNotFound"})
                table.remove(found[0])
                return self.answer(200, {"user": found[0]} if parts[2] == "users" else None)
        self.answer(404, {"error": "RecordNotFound"})

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
