"""An authorized agent of the Data Rights Protocol 1.0 for the tests, written from the protocol
text with PyNaCl (Debian's python3-nacl): it makes its Ed25519 key, signs messages the way DRP
sends them (libsodium's combined mode, Base64) and receives status callbacks.

    python3 drp_agent.py keygen KEY_FILE AGENT_ID NAME   # prints the agent's directory entry (JSON)
    python3 drp_agent.py sign KEY_FILE < message.json    # prints the signed message, Base64
    python3 drp_agent.py receive PORT LOG_FILE           # status callbacks, one JSON line each
"""
import base64
import http.server
import json
import sys
import threading

import nacl.encoding
import nacl.signing


def keygen(key_file, agent_id, name):
    key = nacl.signing.SigningKey.generate()
    with open(key_file, "w") as out:
        out.write(key.encode(encoder=nacl.encoding.HexEncoder).decode())
    verify = key.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
    print(json.dumps({"id": agent_id, "name": name, "verify_key": verify,
                      "web_url": "https://agent.example.org", "technical_contact": "tech@agent.example.org",
                      "business_contact": "biz@agent.example.org",
                      "identity_assurance_url": "https://agent.example.org/assurance"}))


def sign(key_file):
    with open(key_file) as f:
        key = nacl.signing.SigningKey(f.read().strip().encode(), encoder=nacl.encoding.HexEncoder)
    message = sys.stdin.buffer.read()
    sys.stdout.write(base64.b64encode(bytes(key.sign(message))).decode())


def receive(port, log_file):
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock, open(log_file, "a") as log:
                log.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type", ""),
                                      "body": json.loads(body or b"{}")}) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "keygen":
        keygen(*sys.argv[2:5])
    elif command == "sign":
        sign(sys.argv[2])
    elif command == "receive":
        receive(*sys.argv[2:4])
    else:
        sys.exit("unknown command " + command)
