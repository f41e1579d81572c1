const fs = require("fs");
const { join, resolve: res } = require("path");

function read(name) {
  var text = fs.readFileSync(join(name), "utf8");
  if (text) {
    var size = text.length;
  }
  return size;
}

exports.read = read;
module.exports.res = res;
// symbol: size scope=read kind=variable defs=1 uses=1
// symbol: fs scope= kind=variable defs=1 uses=1
// expect: dfg name_store:text@5 -> name_load:text@6
// expect: dfg name_store:size@7 -> name_load:size@9
// expect: import variable_declarator@1 -> name_store:fs@1
// expect: import variable_declarator@2 -> name_store:res@2
// expect: dfg name_store:read@4 -> name_load:read@12
