size = 3


class Stack:
    size = 10
    limit = size * 2

    def __init__(self, items):
        self.items = list(items)
        self.top = None

    def push(self, item):
        self.items.append(item)
        self.top = item
        return self.top

    def peek(self):
        return self.top, size


s = Stack([1])
s.push(2)
s.peek()
# expect: dfg name_store:size@5 -> name_load:size@6
# expect: dfg name_store:size@1 -> name_load:size@18
# expect-not: dfg name_store:size@5 -> name_load:size@18
# expect: dfg attribute_store:self.top@14 -> attribute:self.top@15
# expect-not: dfg attribute_store:self.top@10 -> attribute:self.top@15
# expect: dfg attribute_store:self.top@10 -> attribute:self.top@18
# expect: dfg attribute_store:self.top@14 -> attribute:self.top@18
# expect: dfg attribute_store:self.items@9 -> attribute:self.items@13
# expect: call call@21 -> function_definition@8
# expect: call call@22 -> function_definition@12
# expect: call call@23 -> function_definition@17
# expect: cfg_next entry:Stack -> expression_statement@5
# symbol: top scope=Stack kind=attribute defs=2 uses=2
# symbol: size scope=Stack kind=variable defs=1 uses=1
# scope: Stack.push function
