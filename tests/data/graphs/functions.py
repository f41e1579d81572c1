import functools

default = 10


def outer(a, b=default, *args, key: str = "k", **kwargs):
    count = 0

    def inner(step):
        nonlocal count
        count += step
        return count + a

    inner(1)
    return inner


def counter():
    global default
    default = default + 1
    return default


@functools.lru_cache(maxsize=None)
def cached(n):
    return n * 2


square = lambda v, w=default: v * v + w
result = outer(1, key="x")
value = cached(3)
# expect: dfg name_store:default@3 -> name_load:default@6
# expect: dfg name_store:count@7 -> name_store:count@11
# expect: dfg parameter:a@6 -> name_load:a@12
# expect: dfg name_store:inner@9 -> name_load:inner@14
# expect: dfg name_store:inner@9 -> name_load:inner@15
# expect: dfg parameter:step@9 -> name_load:step@11
# expect: dfg name_store:default@3 -> name_load:default@20
# expect: dfg name_store:default@20 -> name_load:default@21
# expect: dfg name_store:functools@1 -> name_load:functools@24
# expect: dfg parameter:v@29 -> name_load:v@29
# expect: dfg name_store:default@3 -> name_load:default@29
# expect: call call@14 -> function_definition@9
# expect: return function_definition@9 -> call@14
# expect: call call@30 -> function_definition@6
# expect: call call@31 -> function_definition@25
# expect: return return_statement@12 -> function_definition@9
# expect: import import_statement@1 -> name_store:functools@1
# symbol: count scope=outer kind=variable defs=2 uses=2
# symbol: default scope= kind=variable defs=2 uses=4
# symbol: a scope=outer kind=parameter defs=1 uses=1
# symbol: args scope=outer kind=parameter defs=1 uses=0
# symbol: kwargs scope=outer kind=parameter defs=1 uses=0
# symbol: key scope=outer kind=parameter defs=1 uses=0
# symbol: v scope=<lambda> kind=parameter defs=1 uses=2
# scope: outer.inner function
# scope: <lambda> lambda
