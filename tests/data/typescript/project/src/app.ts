import { hello, Account } from "./index";
import { greet } from "@app/util";
import _, { chunk } from "lodash";
import * as path from "node:path";
import { parse } from "exported";
import { helper } from "@scope/tool";
const legacy = require("./legacy");

const account = new Account({ name: "ada", age: 36 });
const text = hello(account.owner) + greet(account.owner);
const pieces = chunk([1, 2, 3], 2);
const joined = path.join("a", "b");
const total = legacy.add(1, 2);
const parsed = parse("1");
