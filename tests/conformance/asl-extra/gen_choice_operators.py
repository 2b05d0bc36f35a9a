#!/usr/bin/env python3
"""Writes choice_operators/*.json: LocalStack's Choice-operator snapshot tests as case files.

Each LocalStack test deploys one state machine per (Variable, Value) pair: a Choice state that
compares "$.Variable" with the literal Value (or, for the *Path operators, with "$.Value") and two
Pass states whose Result is {"TestResult.$": "ConditionTrue"} / {"TestResult.$": "ConditionFalse"}.
The recorded outputs (test_*.snapshot.json under tests/aws/services/stepfunctions/v2/
choice_operators/) are transcribed below as strings of T/F, one letter per pair, in recording order.
Timestamps the snapshot masked ("date") are restored from the test sources (utils.py and
test_timestamp_operators.py), which list the inputs in the same order.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SNAP = "tests/aws/services/stepfunctions/v2/choice_operators/"

TYPE_COMPARISONS = [
    (None, True), (None, False), (0, True), (0, False), (0.0, True), (0.0, False), (1, True),
    (1, False), (1.1, True), (1.1, False), ("", True), ("", False), (" ", True), (" ", False),
    ("HelloWorld", True), ("HelloWorld", False), ("2012-10-09T19:00:55", True),
    ("2012-10-09T19:00:55", False), ("2012-10-09T19:00:55Z", True), ("2012-10-09T19:00:55Z", False),
    ("2012-10-09T19:00:55+01:00", True), ("2012-10-09T19:00:55+01:00", False), ("2023-02-24", True),
    ("2023-02-24", False), ([], True), ([], False), ([""], True), ([""], False), ({}, True),
    ({}, False), ({"A": 0}, True), ({"A": 0}, False), (True, True), (False, True), (False, True),
    (False, False),
]
VARS = [None, 0, 0.0, 1, 1.1, "", " ", [], [""], {}, {"A": 0}, False, True]
NUM_EQ = [(v, x) for v in VARS for x in (0, 0.0, 1, 1.0)] + [(0, 0), (0.0, 0), (2.22, 2.22)]
NUM_EQ_OUT = "FFFF" "TTFF" "TTFF" "FFTT" "FFFF" "FFFF" "FFFF" "FFFF" "FFFF" "FFFF" "FFFF" "FFFF" "FFFF" "TTT"
NUM_CMP = [(0, 0), (0.0, 0), (0, 1), (1, 1), (1, 0), (0, 1)]
STR_EQ = [(v, "HelloWorld") for v in VARS] + [(" ", "     "), ("\t\n", "\t\r\n"), ("Hello", "Hello")]
STR_GT = [("", ""), ("A", "A "), ("A", "A\t\n\r"), ("AB", "ABC")]
STR_CMP = [("", ""), ("A", "AB"), ("AB", "A")]
TS_VARS = [None, 0, 0.0, 1, 1.1, "", " ", "2023-02-24 12:15:56.832957", [], [""], {}, {"A": 0}, False, True]
T0, T1 = "2012-10-09T19:00:55Z", "2012-10-09T19:00:56Z"
TS_BASE = [(T0, T0), (T0, T1), (T1, T0)]

# Recorded results of the Is* operators, one letter per TYPE_COMPARISONS entry.
IS_BOOLEAN = "FT" * 16 + "TTTF"
IS_NULL = "TF" + "FT" * 15 + "FFFT"
IS_NUMERIC = "FT" + "TF" * 4 + "FT" * 11 + "FFFT"
IS_PRESENT = "TF" * 16 + "TTTF"
IS_STRING = "FT" * 5 + "TF" * 7 + "FT" * 4 + "FFFT"
BOOL_EQ = "F" * 32 + "TFFT"

TESTS = [
    # (snapshot file, test name, operator, literal value?, pairs, recorded results)
    ("test_numeric", "test_numeric_equals", "NumericEquals", True, NUM_EQ, NUM_EQ_OUT),
    ("test_numeric", "test_numeric_equals_path", "NumericEqualsPath", False, NUM_EQ, NUM_EQ_OUT),
    ("test_numeric", "test_numeric_greater_than", "NumericGreaterThan", True, NUM_CMP, "FFFFTF"),
    ("test_numeric", "test_numeric_greater_than_path", "NumericGreaterThanPath", False, NUM_CMP, "FFFFTF"),
    ("test_numeric", "test_numeric_greater_than_equals", "NumericGreaterThanEquals", True, NUM_CMP, "TTFTTF"),
    ("test_numeric", "test_numeric_greater_than_equals_path", "NumericGreaterThanEqualsPath", False, NUM_CMP, "TTFTTF"),
    ("test_numeric", "test_numeric_less_than", "NumericLessThan", True, NUM_CMP, "FFTFFT"),
    ("test_numeric", "test_numeric_less_than_path", "NumericLessThanPath", False, NUM_CMP, "FFTFFT"),
    ("test_numeric", "test_numeric_less_than_equals", "NumericLessThanEquals", True, NUM_CMP, "TTTTFT"),
    ("test_numeric", "test_numeric_less_than_equals_path", "NumericLessThanEqualsPath", False, NUM_CMP, "TTTTFT"),
    ("test_string_operators", "test_string_equals", "StringEquals", True, STR_EQ, "F" * 15 + "T"),
    ("test_string_operators", "test_string_equals_path", "StringEqualsPath", False, STR_EQ[-3:], "FFT"),
    ("test_string_operators", "test_string_greater_than", "StringGreaterThan", True, STR_GT, "FFFF"),
    ("test_string_operators", "test_string_greater_than_path", "StringGreaterThanPath", False, STR_GT, "FFFF"),
    ("test_string_operators", "test_string_greater_than_equals", "StringGreaterThanEquals", True, STR_CMP, "TFT"),
    ("test_string_operators", "test_string_greater_than_equals_path", "StringGreaterThanEqualsPath", False, STR_CMP, "TFT"),
    ("test_string_operators", "test_string_less_than", "StringLessThan", True, STR_CMP, "FTF"),
    ("test_string_operators", "test_string_less_than_path", "StringLessThanPath", False, STR_CMP, "FTF"),
    ("test_string_operators", "test_string_less_than_equals", "StringLessThanEquals", True, STR_CMP, "TTF"),
    ("test_string_operators", "test_string_less_than_equals_path", "StringLessThanEqualsPath", False, STR_CMP, "TTF"),
    ("test_is_operators", "test_is_boolean", "IsBoolean", True, TYPE_COMPARISONS, IS_BOOLEAN),
    ("test_is_operators", "test_is_null", "IsNull", True, TYPE_COMPARISONS, IS_NULL),
    ("test_is_operators", "test_is_numeric", "IsNumeric", True, TYPE_COMPARISONS, IS_NUMERIC),
    ("test_is_operators", "test_is_present", "IsPresent", True, TYPE_COMPARISONS, IS_PRESENT),
    ("test_is_operators", "test_is_string", "IsString", True, TYPE_COMPARISONS, IS_STRING),
    ("test_boolean_equals", "test_boolean_equals", "BooleanEquals", True, TYPE_COMPARISONS, BOOL_EQ),
    ("test_boolean_equals", "test_boolean_equals_path", "BooleanEqualsPath", False, TYPE_COMPARISONS, BOOL_EQ),
    ("test_timestamp_operators", "test_timestamp_equals", "TimestampEquals", True,
     [(v, T0) for v in TS_VARS] + TS_BASE, "F" * 14 + "TFF"),
    ("test_timestamp_operators", "test_timestamp_equals_path", "TimestampEqualsPath", False, TS_BASE, "TFF"),
    ("test_timestamp_operators", "test_timestamp_greater_than", "TimestampGreaterThan", True, TS_BASE, "FFT"),
    ("test_timestamp_operators", "test_timestamp_greater_than_path", "TimestampGreaterThanPath", False, [(T0, T1)], "F"),
    ("test_timestamp_operators", "test_timestamp_greater_than_equals", "TimestampGreaterThanEquals", True, TS_BASE, "TFT"),
    ("test_timestamp_operators", "test_timestamp_greater_than_equals_path", "TimestampGreaterThanEqualsPath", False, [(T0, T1)], "F"),
    ("test_timestamp_operators", "test_timestamp_less_than", "TimestampLessThan", True, TS_BASE, "FTF"),
    ("test_timestamp_operators", "test_timestamp_less_than_path", "TimestampLessThanPath", False, [(T1, T0)], "F"),
    ("test_timestamp_operators", "test_timestamp_less_than_equals", "TimestampLessThanEquals", True, TS_BASE, "TTF"),
    ("test_timestamp_operators", "test_timestamp_less_than_equals_path", "TimestampLessThanEqualsPath", False, [(T1, T0)], "F"),
]


def definition(operator, value, literal):
    return {
        "StartAt": "CheckValue",
        "States": {
            "CheckValue": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Variable", operator: value if literal else "$.Value",
                             "Next": "ConditionTrue"}],
                "Default": "ConditionFalse",
            },
            "ConditionTrue": {"Type": "Pass", "Result": {"TestResult.$": "ConditionTrue"}, "End": True},
            "ConditionFalse": {"Type": "Pass", "Result": {"TestResult.$": "ConditionFalse"}, "End": True},
        },
    }


def main():
    out_dir = os.path.join(HERE, "choice_operators")
    os.makedirs(out_dir, exist_ok=True)
    count = 0
    for snap, test, op, literal, pairs, results in TESTS:
        if len(pairs) != len(results):
            sys.exit(f"{test}: {len(pairs)} pairs but {len(results)} results")
        seen = set()
        cls = {"test_numeric": "TestNumerics", "test_string_operators": "TestStrings",
               "test_is_operators": "TestIsOperators", "test_boolean_equals": "TestBooleanEquals",
               "test_timestamp_operators": "TestTimestamps"}[snap]
        for i, ((var, val), res) in enumerate(zip(pairs, results)):
            key = json.dumps([var, val])
            if key in seen:  # identical executions are stored once
                continue
            seen.add(key)
            name = f"{test[5:]}__{i}"
            case = {
                "name": f"choice_operators/{name}",
                "source": {
                    "template": "tests/aws/services/stepfunctions/templates/choiceoperators/statemachines/template.json5",
                    "snapshot": f"{SNAP}{snap}.snapshot.json",
                    "key": f"{SNAP}{snap}.py::{cls}::{test}",
                    "entry": f"cases[{i}]",
                },
                "definition": definition(op, val, literal),
                "input": {"Variable": var, "Value": val},
                "expect": {"status": "SUCCEEDED",
                           "output": {"TestResult.$": "ConditionTrue" if res == "T" else "ConditionFalse"}},
                "stubs": [],
            }
            with open(os.path.join(out_dir, name + ".json"), "w") as f:
                json.dump(case, f, indent=1)
                f.write("\n")
            count += 1
    print(f"{count} choice operator cases")


if __name__ == "__main__":
    main()
