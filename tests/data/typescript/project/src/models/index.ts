export interface User {
  name: string;
  age: number;
}

export class Account {
  constructor(public owner: User, private cents = 0) {}

  balance(): number {
    return this.cents / 100;
  }
}
