import type { User } from "./models";

export function greet(user: User): string {
  return "hello " + user.name;
}
