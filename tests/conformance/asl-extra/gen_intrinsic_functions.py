#!/usr/bin/env python3
"""Writes intrinsic_functions/*.json from LocalStack's intrinsic-function recordings.

Templates: tests/aws/services/stepfunctions/templates/intrinsicfunctions/statemachines/**; each is
one Pass state whose Parameters hold {"FunctionResult.$": "<call>"}. Inputs come from the test
sources (test_*.py), results from the recorded execution histories (exec_hist_resp_<i>).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TPL = "tests/aws/services/stepfunctions/templates/intrinsicfunctions/statemachines/"
V2 = "tests/aws/services/stepfunctions/v2/intrinsic_functions/"


def definition(comment, call):
    return {"Comment": comment, "StartAt": "State_0", "States": {"State_0": {
        "Type": "Pass", "Parameters": {"FunctionResult.$": call}, "End": True}}}


ADD = "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)"
PART = "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)"
LENGTH = "States.ArrayLength($.FunctionInput)"
GET = "States.ArrayGetItem($.FunctionInput.fst, $.FunctionInput.snd)"
UNIQUE_INPUT = [None, None, True, True, False, False, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [],
                [None], [None], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}]

# (name, template, snapshot, test, comment, call, [(input, recorded FunctionResult), ...])
GROUPS = [
    ("math_add", "math_operations/math_add.json5", "test_math_operations", "TestMathOperations::test_math_add",
     "MATH_ADD", ADD,
     [({"fst": -9, "snd": 3}, -6), ({"fst": 1.49, "snd": 1.5}, 3), ({"fst": 1.5, "snd": 1.51}, 4),
      ({"fst": -1.49, "snd": -1.5}, -2), ({"fst": -1.5, "snd": -1.51}, -3)]),
    ("array_partition", "array/array_partition.json5", "test_array", "TestArray::test_array_partition",
     "ARRAY_PARTITION", PART,
     [({"fst": [], "snd": n}, []) for n in range(1, 6)] + [({"fst": [0], "snd": n}, [[0]]) for n in range(1, 5)]),
    ("array_get_item", "array/array_get_item.json5", "test_array", "TestArray::test_array_get_item",
     "ARRAY_GET_ITEM", GET, [({"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}, 6)]),
    ("array_length", "array/array_length.json5", "test_array", "TestArray::test_array_length",
     "ARRAY_LENGTH", LENGTH, [([1, 2, 3, 4, 5, 6, 7, 8, 9], 9)]),
    ("string_to_json", "json_manipulation/string_to_json.json5", "test_json_manipulation",
     "TestJsonManipulation::test_string_to_json", "STRING_TO_JSON", "States.StringToJson($.FunctionInput)",
     [("", None), (" ", None), ("null", None), ("-0", 0), ("1", 1), ("1.1", 1.1), ("true", True),
      ('"HelloWorld"', "HelloWorld"), ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
      ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []})]),
    ("json_merge", "json_manipulation/json_merge.json5", "test_json_manipulation",
     "TestJsonManipulation::test_json_merge", "JSON_MERGE",
     "States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)",
     [({"fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3}, "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}},
       {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})]),
    # LocalStack's test_array_unique deploys the ARRAY_LENGTH template; AWS returned the length.
    ("array_unique", "array/array_length.json5", "test_array", "TestArray::test_array_unique",
     "ARRAY_LENGTH", LENGTH, [(UNIQUE_INPUT, 20)]),
]


def main():
    out = os.path.join(HERE, "intrinsic_functions")
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, tpl, snap, test, comment, call, cases in GROUPS:
        for i, (inp, result) in enumerate(cases):
            case_name = f"{name}__input{i}"
            case = {
                "name": f"intrinsic_functions/{case_name}",
                "source": {"template": TPL + tpl, "snapshot": f"{V2}{snap}.snapshot.json",
                           "key": f"{V2}{snap}.py::{test}", "entry": f"exec_hist_resp_{i}"},
                "definition": definition(comment, call),
                "input": {"FunctionInput": inp},
                "expect": {"status": "SUCCEEDED", "output": {"FunctionResult": result}},
                "stubs": [],
            }
            with open(os.path.join(out, case_name + ".json"), "w") as f:
                json.dump(case, f, indent=1)
                f.write("\n")
            n += 1
    print(f"{n} intrinsic function cases")


if __name__ == "__main__":
    main()
