"""``from m import *`` binds m's public names: a name the module does not bind
itself is looked up there before the builtins."""

from star_exported import *

# ? words: int
words = count_words("a b c")
# ? text: str
text = Greeting().render()
# ? half: float
half = ratio
# ? biggest: str
biggest = max(1, 2)
# ? hidden: ?
hidden = _hidden()
# ? size: int
size = len("abc")
