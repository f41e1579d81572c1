import asyncio
from contextlib import asynccontextmanager as acm


async def fetch(session, url):
    async with session.get(url) as response:
        body = await response.text()
    async for chunk in response.stream():
        body += chunk
    with open(url) as fh, open(url) as fh2:
        fh.read()
    return body


async def main():
    result = await fetch(None, "x")
    await asyncio.sleep(0)
    return result
# expect: dfg name_store:response@6 -> name_load:response@7
# expect: dfg name_store:body@7 -> name_store:body@9
# expect: dfg name_store:chunk@8 -> name_load:chunk@9
# expect: dfg name_store:body@7 -> name_load:body@12
# expect: dfg name_store:body@9 -> name_load:body@12
# expect: dfg name_store:fh@10 -> name_load:fh@11
# expect: cfg_next with_statement@6 -> expression_statement@7
# expect: cfg_loop_back expression_statement@9 -> for_statement@8
# expect: call call@16 -> function_definition@5
# expect: dfg name_store:asyncio@1 -> name_load:asyncio@17
# expect: import import_from_statement@2 -> name_store:acm@2
# symbol: acm scope= kind=import defs=1 uses=0
