abstract class Shape {
  abstract area(): number;
}

class Circle extends Shape {
  static count = 0;
  private radius: number;

  constructor(radius: number, public label: string) {
    super();
    this.radius = radius;
  }

  area(): number {
    return Math.PI * this.radius * this.radius;
  }

  scaled(k: number): Circle {
    const make = () => new Circle(this.radius * k, this.label);
    return make();
  }
}

const c = new Circle(1, "unit");
c.area();
// scope: Circle class
// scope: Circle.constructor function
// scope: Circle.scaled.make function
// symbol: radius scope=Circle kind=attribute defs=2 uses=3
// symbol: label scope=Circle kind=attribute defs=1 uses=1
// symbol: area scope=Circle kind=function defs=1 uses=0
// expect: dfg attribute_store:this.radius@11 -> attribute:this.radius@15
// expect: dfg attribute_store:this.radius@11 -> attribute:this.radius@19
// expect: call new_expression@19 -> method_definition@9
// expect: call new_expression@24 -> method_definition@9
// expect: return return_statement@15 -> method_definition@14
// expect: dfg name_store:c@24 -> name_load:c@25
