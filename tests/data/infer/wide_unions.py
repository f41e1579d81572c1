from typing import Union

from typing_extensions import TypeAlias


class Tensor:
    pass


class BFLOAT16(Tensor): ...
class BOOL(Tensor): ...
class DOUBLE(Tensor): ...
class FLOAT(Tensor): ...
class FLOAT16(Tensor): ...
class INT16(Tensor): ...
class INT32(Tensor): ...
class INT64(Tensor): ...


class Opset:
    # an annotation may name a union as wide as it likes: it stays as written
    T2_Cast: TypeAlias = Union[BFLOAT16, BOOL, DOUBLE, FLOAT, FLOAT16, INT16, INT32, INT64]

    def Cast(self, value, *, to: int) -> T2_Cast: ...


op = Opset()
# ? casted: BFLOAT16 | BOOL | DOUBLE | FLOAT | FLOAT16 | INT16 | INT32 | INT64
casted = op.Cast(1, to=7)


def pick(flag: int):
    # ? found: BFLOAT16 | BOOL | DOUBLE | FLOAT | FLOAT16 | INT16 | INT32
    found = BFLOAT16()
    if flag == 1:
        found = BOOL()
    elif flag == 2:
        found = DOUBLE()
    elif flag == 3:
        found = FLOAT()
    elif flag == 4:
        found = FLOAT16()
    elif flag == 5:
        found = INT16()
    elif flag == 6:
        found = INT32()
    return found
