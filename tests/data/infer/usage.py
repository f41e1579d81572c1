class Invoice:
    def __init__(self):
        self.lines = []

    def add_line(self, text):
        self.lines.append(text)

    def render_all(self):
        return "\n".join(self.lines)


# ? return: str
# ? invoice: Invoice
def render(invoice):
    invoice.add_line("total")
    return invoice.render_all()


# ? return: str
# ? text: str
def shout(text):
    return text.strip().upper()


class Shell(str):
    def quoted(self):
        return "'" + self + "'"


class Base:
    def close(self):
        return None


class File(Base):
    def read(self):
        return ""


# ? return: str
# ? name: str
def title(name):
    return name.title()


# ? return: None
# ? handle: Base
def finish(handle):
    return handle.close()
