def evens(rows):
    x = "outer"
    squares = [x * x for x in rows if x % 2 == 0]
    pairs = {k: v for k, v in zip(rows, rows)}
    nested = [y for row in rows for y in row]
    if any((hit := r) > 3 for r in rows):
        print(hit)
    return x, squares, pairs, nested
# expect: dfg parameter:rows@1 -> name_load:rows@3
# expect: dfg name_store:x@3 -> name_load:x@3
# expect-not: dfg name_store:x@2 -> name_load:x@3
# expect: dfg name_store:x@2 -> name_load:x@8
# expect: dfg name_store:row@5 -> name_load:row@5
# expect: dfg name_store:hit@6 -> name_load:hit@7
# symbol: hit scope=evens kind=variable defs=1 uses=1
# symbol: x scope=evens.<listcomp> kind=variable defs=1 uses=3
# scope: evens.<dictcomp> comprehension
# scope: evens.<genexpr> comprehension
