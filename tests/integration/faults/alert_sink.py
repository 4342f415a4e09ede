"""A webhook receiver for the fault suite's alert cases: records every alert event it accepts,
and can refuse (503) or answer slowly, to keep events in the daemon's spool or in flight."""
import http.server
import json
import threading
import time


class AlertSink:
    """mode: "ok" (200), "down" (503, nothing recorded) or "slow" (records, then waits
    `slow_seconds` before answering 200). `attempts` counts every POST."""

    def __init__(self, port):
        self.mode = "ok"
        self.slow_seconds = 5.0
        self.events = []  # every alert object of every accepted body, in arrival order
        self.attempts = 0
        self.in_flight = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                owner.attempts += 1
                if owner.mode == "down":
                    self.send_response(503)
                else:
                    owner.events.extend(json.loads(raw)["alerts"])
                    if owner.mode == "slow":
                        owner.in_flight += 1
                        time.sleep(owner.slow_seconds)
                        owner.in_flight -= 1
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{port}/alerts"

    def sink_yaml(self, name="hook"):
        return (f'    - {{name: {name}, type: webhook, url: "{self.url}", '
                'initial_backoff: 200ms, max_backoff: 1s, timeout: 10s}')

    @staticmethod
    def key(alert):
        """One alert event: which alert, firing or resolved, and when it started/ended."""
        labels = alert["labels"]
        return (labels.get("alertname"), labels.get("resource", ""), alert["status"],
                alert.get("startsAt"), alert.get("endsAt", ""))

    def keys(self, alertname=None):
        return [self.key(a) for a in list(self.events)
                if alertname is None or a["labels"].get("alertname") == alertname]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
