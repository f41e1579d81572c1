export * from "./models";
export { greet as hello } from "./util";
