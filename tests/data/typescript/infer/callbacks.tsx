type Props = { title: string; count: number };

// ? return: JSX.Element
// ? props: Props
function Header(props: Props) {
  return <h1>{props.title}</h1>;
}

// ? titles: string[]
const titles = [{ title: "a", count: 1 }].map((p) => p.title);
