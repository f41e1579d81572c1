import os
import os.path as osp
import xml.etree.ElementTree
from collections import OrderedDict, defaultdict as dd
from . import sibling
from ..pkg.mod import thing
from typing import *

print(os.sep, osp.join, xml.etree, OrderedDict, dd, sibling, thing)
# expect: import import_statement@1 -> name_store:os@1
# expect: import import_statement@2 -> name_store:osp@2
# expect: import import_statement@3 -> name_store:xml@3
# expect: import import_from_statement@4 -> name_store:OrderedDict@4
# expect: import import_from_statement@4 -> name_store:dd@4
# expect: dfg name_store:os@1 -> name_load:os@9
# expect: dfg name_store:xml@3 -> name_load:xml@9
# expect: dfg name_store:dd@4 -> name_load:dd@9
# symbol: os scope= kind=import defs=1 uses=1
