def walrus(s, items, f):
    if (m := f(s)) is None or m.group(0):
        print(m)
    found = [n.group(0) for x in items if (n := f(x))]
    bumped = (k := (k2 := 1) + 1) + k + k2
    return found, bumped
# expect: dfg name_store:m@2 -> name_load:m@2
# expect: dfg name_store:m@2 -> name_load:m@3
# expect: dfg name_store:n@4 -> name_load:n@4
# expect: dfg name_store:k@5 -> name_load:k@5
# expect: dfg name_store:k2@5 -> name_load:k2@5
# expect-not: dfg parameter:s@1 -> name_load:m@2
