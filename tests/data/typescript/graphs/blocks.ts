let x = 1;
{
  let x = "inner";
  console.log(x);
}
console.log(x);
for (let i = 0; i < 2; i++) {
  const x = i;
  console.log(x);
}
// symbol: x scope= kind=variable defs=1 uses=1
// expect: dfg name_store:x@1 -> name_load:x@6
// expect-not: dfg name_store:x@3 -> name_load:x@6
// expect: dfg name_store:x@3 -> name_load:x@4
// expect: dfg name_store:x@8 -> name_load:x@9
// expect-not: dfg name_store:x@1 -> name_load:x@9
