class Account {
  // ? count: number
  static count = 0;
  // ? history: number[]
  history: number[] = [];
  // ? owner: string
  constructor(public owner: string, private cents = 0) {
    Account.count += 1;
  }

  // ? return: number
  get balance() {
    return this.cents / 100;
  }

  // ? return: this
  deposit(amount: number) {
    this.cents += amount;
    this.history.push(amount);
    return this;
  }

  // ? return: Account
  // ? other: Account
  merge(other: Account): Account {
    return other;
  }
}

class Savings extends Account {
  // ? rate: number
  rate = 0.02;

  // ? return: number
  interest() {
    return this.balance * this.rate;
  }
}

// ? acct: Account
const acct = new Account("ada");
// ? chained: Account
const chained = acct.deposit(5);
// ? who: string
const who = acct.owner;
// ? saving: Savings
const saving = new Savings("bob");
// ? earned: number
const earned = saving.interest();
// ? inherited: number
const inherited = saving.balance;

enum Level {
  Low,
  High,
}
// ? level: Level
const level = Level.High;

// a class expression is named by the variable it is bound to
const Oops = class extends Error {
  code = 1;
};
// ? oops: Oops
const oops = new Oops("no");
// ? oopsCode: number
const oopsCode = oops.code;
