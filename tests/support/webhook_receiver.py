"""A webhook receiver for the tests: checks every delivery's signature as the Standard Webhooks
convention says (webhook-id, webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of
id.timestamp.body>"), and appends what it received to LOG_FILE as JSON lines:
{"id", "type", "case", "valid", "status", "body"}.

    python3 webhook_receiver.py PORT SECRET LOG_FILE FAIL_FIRST

The first FAIL_FIRST deliveries of each event id are answered 500; later ones 204.
"""
import base64
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time

PORT, SECRET, LOG, FAIL_FIRST = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
seen = {}


def valid(headers, body):
    ident, stamp, signature = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
    if not ident or not stamp or not signature or not signature.startswith("v1,"):
        return False
    if abs(time.time() - int(stamp)) > 300:  # a replayed old delivery
        return False
    expected = base64.b64encode(hmac.new(SECRET, f"{ident}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature[3:])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ok = valid(self.headers, body)
        ident = self.headers.get("webhook-id", "")
        with lock:
            seen[ident] = seen.get(ident, 0) + 1
            status = 500 if seen[ident] <= FAIL_FIRST else (204 if ok else 401)
            try:
                event = json.loads(body)
            except ValueError:
                event = {}
            with open(LOG, "a") as log:
                log.write(json.dumps({"id": ident, "type": event.get("type", ""), "case": event.get("case", ""),
                                      "valid": ok, "status": status, "body": body.decode()}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
