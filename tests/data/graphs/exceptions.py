def load(path):
    handle = None
    try:
        handle = open(path)
        data = handle.read()
    except FileNotFoundError as err:
        print(err)
        raise
    except (OSError, ValueError):
        data = ""
    else:
        print("ok")
    finally:
        if handle:
            handle.close()
    return data
# expect: cfg_exception expression_statement@4 -> except_clause@6
# expect: cfg_exception expression_statement@5 -> except_clause@6
# expect: cfg_true except_clause@6 -> expression_statement@7
# expect: cfg_false except_clause@6 -> except_clause@9
# expect: cfg_exception except_clause@9 -> if_statement@14
# expect: cfg_exception raise_statement@8 -> exit:load
# expect: cfg_next expression_statement@5 -> expression_statement@12
# expect: cfg_next expression_statement@12 -> if_statement@14
# expect: cfg_next expression_statement@10 -> if_statement@14
# expect: cfg_false if_statement@14 -> return_statement@16
# expect: cfg_next expression_statement@15 -> return_statement@16
# expect: dfg name_store:err@6 -> name_load:err@7
# expect: dfg name_store:data@5 -> name_load:data@16
# expect: dfg name_store:data@10 -> name_load:data@16
# expect: dfg name_store:handle@2 -> name_load:handle@14
# expect: dfg name_store:handle@4 -> name_load:handle@14
