def area(shape):
    match shape:
        case {"kind": "circle", "r": radius}:
            return 3.14 * radius * radius
        case Rect(w=width, h=height) if width > 0:
            return width * height
        case [first, *rest]:
            return first + len(rest)
        case Point() as pt:
            return pt
        case _:
            return 0
# expect: cfg_next match_statement@2 -> case_clause@3
# expect: cfg_true case_clause@3 -> return_statement@4
# expect: cfg_false case_clause@3 -> case_clause@5
# expect: cfg_false case_clause@9 -> case_clause@11
# expect: dfg name_store:radius@3 -> name_load:radius@4
# expect: dfg name_store:width@5 -> name_load:width@5
# expect: cfg_true case_clause@5 -> if_clause@5
# expect: cfg_true if_clause@5 -> return_statement@6
# expect: cfg_false if_clause@5 -> case_clause@7
# expect: dfg name_store:height@5 -> name_load:height@6
# expect: dfg name_store:first@7 -> name_load:first@8
# expect: dfg name_store:rest@7 -> name_load:rest@8
# expect: dfg name_store:pt@9 -> name_load:pt@10
# symbol: Rect scope=<none> kind=unresolved defs=0 uses=1
