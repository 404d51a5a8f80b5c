"""A local stand-in for the parts of Mailchimp's Marketing API that Fides' Mailchimp config calls:
/3.0/search-members?query= ({"exact_matches": {"members": [...]}}), PUT
/3.0/lists/{list_id}/members/{subscriber_hash}, /3.0/conversations?count=&offset= (offset
pages), /3.0/conversations/{id}/messages (everyone's messages: the config filters by sender),
/3.0/lists. Basic authentication USERNAME:API_KEY.

    python3 mailchimp_api.py PORT USERNAME API_KEY

GET /_state answers the members and the PUT bodies received (for the test).
"""
import base64
import http.server
import json
import sys
import threading
import urllib.parse

PORT, USERNAME, API_KEY = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
members = [{"id": f"hash{i}", "list_id": "list9", "email_address": e, "status": "subscribed",
            "merge_fields": {"FNAME": n, "LNAME": "Example", "PHONE": f"+1555{i:04d}"}}
           for i, (e, n) in enumerate([("jane@example.com", "Jane"), ("bob@example.com", "Bob")])]
conversations = [{"id": f"conv{i}", "campaign_id": "camp1", "list_id": "list9"} for i in range(3)]
messages = {f"conv{i}": [{"id": f"m{i}{k}", "conversation_id": f"conv{i}",
                          "from_email": "Jane@Example.com" if k == 0 else "bob@example.com",
                          "subject": "Re: offer", "message": f"message {i}{k}"} for k in range(2)]
            for i in range(3)}
puts = []


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.answer(401, {"title": "API Key Invalid"})
        return False

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if url.path == "/_state":
            return self.answer(200, {"members": members, "puts": puts})
        if not self.authorised():
            return
        with lock:
            if url.path == "/3.0/lists":
                return self.answer(200, {"lists": [{"id": "list9"}]})
            if url.path == "/3.0/search-members":
                wanted = query.get("query", [""])[0]
                found = [m for m in members if m["email_address"] == wanted]
                return self.answer(200, {"exact_matches": {"members": found, "total_items": len(found)},
                                         "full_search": {"members": [], "total_items": 0}})
            if url.path == "/3.0/conversations":
                offset = int(query.get("offset", ["0"])[0])
                return self.answer(200, {"conversations": conversations if offset == 0 else [],
                                         "total_items": len(conversations)})
            if len(parts) == 4 and parts[1] == "conversations" and parts[3] == "messages":
                return self.answer(200, {"conversation_messages": messages.get(parts[2], [])})
        self.answer(404, {"title": "Resource Not Found"})

    def do_PUT(self):
        if not self.authorised():
            return
        parts = urllib.parse.urlparse(self.path).path.strip("/").split("/")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        with lock:
            puts.append({"path": self.path, "body": body})
            if len(parts) == 5 and parts[1] == "lists" and parts[3] == "members":
                for m in members:
                    if m["list_id"] == parts[2] and m["id"] == parts[4]:
                        for key, value in body.items():
                            if isinstance(value, dict):
                                m.setdefault(key, {}).update(value)
                            else:
                                m[key] = value
                        return self.answer(200, m)
        self.answer(404, {"title": "Resource Not Found"})

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
