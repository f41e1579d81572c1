x = 1
y = x + 1
x = y
a, (b, *c) = x, (y, [1])
total: int = 0
total += a
p = q = x
del p
obj.attr = 5
obj.attr2 = obj.attr
lst[x] = y
print(b, c, total, q, obj)
# expect: dfg name_store:x@1 -> name_load:x@2
# expect: dfg name_store:y@2 -> name_load:y@3
# expect: dfg name_store:x@3 -> name_load:x@4
# expect-not: dfg name_store:x@1 -> name_load:x@4
# expect: dfg name_store:a@4 -> name_load:a@6
# expect: dfg name_store:total@5 -> name_store:total@6
# expect: dfg name_store:total@6 -> name_load:total@12
# expect-not: dfg name_store:total@5 -> name_load:total@12
# expect: dfg name_store:b@4 -> name_load:b@12
# expect: dfg name_store:c@4 -> name_load:c@12
# expect: dfg name_store:q@7 -> name_load:q@12
# expect: dfg name_store:p@7 -> name_del:p@8
# expect: dfg attribute_store:obj.attr@9 -> attribute:obj.attr@10
# expect: dfg name_store:x@3 -> name_load:x@11
# expect: cfg_next entry: -> expression_statement@1
# expect: cfg_next expression_statement@12 -> exit:
# symbol: x scope= kind=variable defs=2 uses=4
# symbol: total scope= kind=variable defs=2 uses=2
# symbol: print scope=<none> kind=builtin defs=0 uses=1
# symbol: obj scope=<none> kind=unresolved defs=0 uses=4
