import { Account } from "./models";

export function area(width: number, height = 2) {
  const size = width * height;
  return size;
}

export function describe(account: Account) {
  const owner = account.owner;
  return owner.name;
}
