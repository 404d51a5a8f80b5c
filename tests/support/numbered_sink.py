"""An aiosmtpd handler for the tests: each accepted message becomes DIR/NNNNNN.eml, numbered in
the order the server accepted them (Maildir names do not sort in arrival order)."""
import os


class NumberedSink:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.count = len([n for n in os.listdir(directory) if n.endswith(".eml")])

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("NumberedSink needs the directory to write to")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%06d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"
