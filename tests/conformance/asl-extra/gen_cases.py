#!/usr/bin/env python3
"""Writes the hand-transcribed asl-extra cases (base/, ...): one LocalStack template, the test's
input and the result recorded in the snapshot's execution history."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
T = "tests/aws/services/stepfunctions/templates/"
V2 = "tests/aws/services/stepfunctions/v2/"

CASES = []


def case(area, name, template, snapshot, key, entry, definition, inp, expect, stubs=(), cause_masks=None):
    c = {"name": f"{area}/{name}",
         "source": {"template": T + template, "snapshot": V2 + snapshot, "key": V2 + key, "entry": entry},
         "definition": definition, "input": inp, "expect": expect, "stubs": list(stubs)}
    if cause_masks:  # literals LocalStack wrote in place of run-specific values (../asl/README.md)
        c["cause_masks"] = cause_masks
    CASES.append((area, name, c))


def fail(error, cause):
    return {"status": "FAILED", "error": error, "cause": cause}


def ok(output):
    return {"status": "SUCCEEDED", "output": output}


BASE = ("base/test_base.snapshot.json", "base/test_base.py::TestSnfBase::")
case("base", "state_fail", "base/statemachines/raise_failure.json5", BASE[0], BASE[1] + "test_state_fail",
     "get_execution_history",
     {"Comment": "BASE_RAISE_FAILURE", "StartAt": "FailState", "States": {"FailState": {
         "Type": "Fail", "Error": "SomeFailure", "Cause": "This state machines raises a 'SomeFailure' failure."}}},
     {}, fail("SomeFailure", "This state machines raises a 'SomeFailure' failure."))
case("base", "state_fail_path", "base/statemachines/raise_failure_path.json5", BASE[0],
     BASE[1] + "test_state_fail_path", "get_execution_history",
     {"Comment": "RAISE_FAILURE_PATH", "StartAt": "FailState", "States": {"FailState": {
         "Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause"}}},
     {"Error": "error string", "Cause": "cause string"}, fail("error string", "cause string"))
case("base", "state_fail_intrinsic", "base/statemachines/raise_failure_path_intrinsic.json5", BASE[0],
     BASE[1] + "test_state_fail_intrinsic", "get_execution_history",
     {"Comment": "RAISE_FAILURE_PATH_INTRINSIC", "StartAt": "FailState", "States": {"FailState": {
         "Type": "Fail", "ErrorPath": "States.Format('{}', $.Error)",
         "CausePath": "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)"}}},
     {"Error": "error string", "Cause": "cause string"},
     fail("error string", "This is a custom error message for error string, caused by cause string."))
case("base", "state_fail_empty", "base/statemachines/raise_empty_failure.json5", BASE[0],
     BASE[1] + "test_state_fail_empty", "get_execution_history",
     {"Comment": "RAISE_EMPTY_FAILURE", "StartAt": "FailState", "States": {"FailState": {"Type": "Fail"}}},
     {}, fail(None, None))
case("base", "state_pass_result_null_input_output_paths", "base/statemachines/pass_result_null_input_output_paths.json5",
     BASE[0], BASE[1] + "test_state_pass_result_null_input_output_paths", "get_execution_history",
     {"Comment": "BASE_PASS_RESULT_NULL_INPUT_OUTPUT_PATHS", "StartAt": "State0", "States": {
         "State0": {"Type": "Pass", "Parameters": {"Arg1": "argument1", "FromInput.$": "$"}, "Next": "State1"},
         "State1": {"Type": "Pass", "InputPath": None, "Parameters": {"Arg2": "argument2", "FromInput.$": "$"},
                    "Next": "State2"},
         "State2": {"Type": "Pass", "OutputPath": None, "End": True}}},
     {"InputValue": 0}, ok({}))
case("base", "state_pass_regex_json_path_base", "base/statemachines/pass_result_regex_json_path_base.json5",
     BASE[0], BASE[1] + "test_state_pass_regex_json_path_base", "get_execution_history",
     {"Comment": "BASE_PASS_RESULT_REGEX_JSON_PATH_BASE", "StartAt": "State0", "States": {"State0": {
         "Type": "Pass", "Parameters": {"FromInput.$": "$.users[?(@.status == 0)]"}, "End": True}}},
     {"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]},
     ok({"FromInput": [{"year": 1997, "status": 0}]}))

case("error_handling", "runtime_error_handling", "errorhandling/statemachines/runtime_error_handling.json5",
     "error_handling/test_aws_sdk.snapshot.json", "error_handling/test_aws_sdk.py::TestAwsSdk::test_runtime_error_handling",
     "get_execution_history",
     # The test deletes the activity before it starts the execution; its ARN is masked in the recording.
     {"Comment": "RUNTIME_ERROR_HANDLING", "StartAt": "ActivityTaskWithRuntimeCatch", "States": {
         "ActivityTaskWithRuntimeCatch": {
             "Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:activity_name",
             "Catch": [{"ErrorEquals": ["CustomErrorName", "States.Runtime"], "ResultPath": "$.RuntimeError",
                        "Next": "RuntimeErrorHandler"},
                       {"ErrorEquals": ["States.ALL"], "ResultPath": "$.StatesAllError", "Next": "StatesAllHandler"}],
             "Retry": [{"ErrorEquals": ["States.Runtime"], "IntervalSeconds": 1, "MaxAttempts": 1, "BackoffRate": 1.0}],
             "End": True},
         "RuntimeErrorHandler": {"Type": "Pass", "End": True},
         "StatesAllHandler": {"Type": "Pass", "End": True}}},
     {"Value1": "HelloWorld"},
     fail("States.Runtime", "An error occurred while executing the state 'ActivityTaskWithRuntimeCatch' (entered at "
                            "the event id #2). The activity activity_arn does not exist."),
     cause_masks={"activity_arn": "<arn>"})

SVC = ("services/test_lambda_task_service.snapshot.json", "services/test_lambda_task_service.py::TestTaskServiceLambda::")
SVC_DEF = {"Comment": "TASK_SERVICE_LAMBDA_INVOKE", "StartAt": "Start", "States": {
    "Start": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"}, "Next": "EndWithFinal"},
    "EndWithFinal": {"Type": "Pass", "ResultPath": "$.final", "End": True}}}


def invoke_output(payload):
    response = {"ExecutedVersion": "$LATEST", "Payload": payload, "StatusCode": 200}
    return dict(response, final=dict(response))


# The recorded function returns its event (LAMBDA_ID_FUNCTION): sfn_stub_identity.
for name, key, payload, result in [
        ("lambda_invoke_null_payload", "test_invoke", None, {}),
        ("lambda_invoke_json_values__none", "test_invoke_json_values[None]", "null", None),
        ("lambda_invoke_json_values__helloworld", "test_invoke_json_values[HelloWorld]", '"HelloWorld"', "HelloWorld"),
        ("lambda_invoke_json_values__0_0", "test_invoke_json_values[0.0]", "0.0", 0.0)]:
    case("services", name, "services/statemachines/lambda_invoke.json5", SVC[0], SVC[1] + key,
         "get_execution_history", SVC_DEF, {"FunctionName": "sfn_stub_identity", "Payload": payload},
         ok(invoke_output(result)), stubs=["sfn_stub_identity"])

# A function that does not exist (the recorded name is masked: "no_such_<lambda_function_name>").
case("error_handling", "task_service_lambda__no_such_function",
     "errorhandling/statemachines/task_service_lambda_invoke_catch_unknown.json5",
     "error_handling/test_task_service_lambda.snapshot.json",
     "error_handling/test_task_service_lambda.py::TestTaskServiceLambda::test_no_such_function", "get_execution_history",
     {"Comment": "TASK_SERVICE_LAMBDA_CATCH_UNKNOWN", "StartAt": "Start", "States": {
         "Start": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"},
                   "Catch": [{"ErrorEquals": ["Lambda.Unknown"], "Next": "EndWithHandler"}], "Next": "EndWithFinal"},
         "EndWithHandler": {"Type": "Pass", "ResultPath": "$.error", "End": True},
         "EndWithFinal": {"Type": "Pass", "ResultPath": "$.final", "End": True}}},
     {"FunctionName": "no_such_sfn_stub_identity", "Payload": None},
     fail("Lambda.ResourceNotFoundException",
          "Function not found: arn:<partition>:lambda:<region>:111111111111:function:no_such_<lambda_function_name> "
          "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: <request_id>; "
          "Proxy: null)"),
     cause_masks={"111111111111": "<account>"})

# Tolerated-failure and MaxConcurrency paths (test_map_state_tolerated_failure_{count,percentage}_path,
# test_max_concurrency_path). The outcomes are
# those of LocalStack's implementation, which passes these AWS-validated snapshot tests without skipping
# any path (so the causes, which it reports without the "An error occurred while executing the state"
# preamble, are AWS's text too); the 800 KB snapshot file itself was not read.
SCN = ("scenarios/test_base_scenarios.snapshot.json", "scenarios/test_base_scenarios.py::TestBaseScenarios::")


def tolerance_def(comment, field):
    return {"Comment": comment, "StartAt": "MapState", "States": {"MapState": {
        "Type": "Map", "ItemsPath": "$.Items", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "HandleItem", "States": {"HandleItem": {"Type": "Pass", "End": True}}},
        field: "$." + field[:-4], "End": True}}}


def value_id(v):
    return {"{}": "empty_object", "-1": "minus_1", "-1.1": "minus_1_1"}.get(json.dumps(v), str(v).replace(".", "_").replace("-", "minus_"))


for v in [{}, "NoNumber", -1, 0, 1]:
    expect = ok([0]) if v in (0, 1) and not isinstance(v, dict) else fail(
        "States.Runtime", "ToleratedFailureCount cannot be negative." if v == -1 else
        f'The ToleratedFailureCountPath field refers to value "{v if isinstance(v, str) else json.dumps(v)}" '
        "which is not a valid integer: $.ToleratedFailureCount")
    case("scenarios", f"map_state_tolerated_failure_count_path__{value_id(v).lower()}",
         "scenarios/statemachines/map_state_tolerated_failure_count_path.json5", SCN[0],
         SCN[1] + f"test_map_state_tolerated_failure_count_path[{v}]", "get_execution_history",
         tolerance_def("MAP_STATE_TOLERATED_FAILURE_COUNT_PATH", "ToleratedFailureCountPath"),
         {"Items": [0], "ToleratedFailureCount": v}, expect)
for v in [{}, "NoNumber", -1.1, -1, 0, 1, 1.1, 100, 100.1]:
    if isinstance(v, (dict, str)):
        expect = fail("States.Runtime", f'The ToleratedFailurePercentagePath field refers to value '
                      f'"{v if isinstance(v, str) else json.dumps(v)}" which is not a valid float: '
                      "$.ToleratedFailurePercentage")
    elif 0 <= v <= 100:
        expect = ok([0])
    else:
        expect = fail("States.Runtime", "ToleratedFailurePercentage must be between 0 and 100.")
    case("scenarios", f"map_state_tolerated_failure_percentage_path__{value_id(v).lower()}",
         "scenarios/statemachines/map_state_tolerated_failure_percentage_path.json5", SCN[0],
         SCN[1] + f"test_map_state_tolerated_failure_percentage_path[{v}]", "get_execution_history",
         tolerance_def("MAP_STATE_TOLERATED_FAILURE_PERCENTAGE_PATH", "ToleratedFailurePercentagePath"),
         {"Items": [0], "ToleratedFailurePercentage": v}, expect)

case("scenarios", "map_state_catch", "scenarios/statemachines/map_state_catch.json5", SCN[0],
     SCN[1] + "test_map_state_catch", "get_execution_history",
     {"StartAt": "StartState", "States": {
         "StartState": {"Type": "Pass", "Result": [1], "ResultPath": "$.arr", "Next": "MapState"},
         "MapState": {"Type": "Map", "ResultPath": None, "InputPath": "$.arr", "MaxConcurrency": 1,
                      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "HandleItemFail",
                                        "States": {"HandleItemFail": {"Type": "Fail", "Error": "HandleItemFailError",
                                                                      "Cause": "HandleItemFailCause"}}},
                      "Catch": [{"ErrorEquals": ["HandleItemFailError"], "Next": "FinalCaught"}], "Next": "Final"},
         "FinalCaught": {"Type": "Pass", "End": True},
         "Final": {"Type": "Pass", "End": True}}},
     {}, ok({"Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}))

MAX_CONC_DEF = {"Comment": "MAX_CONCURRENCY_PATH", "StartAt": "MapState", "States": {
    "MapState": {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrencyPath": "$.MaxConcurrencyValue",
                 "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "HandleItem",
                                   "States": {"HandleItem": {"Type": "Pass", "End": True}}}, "Next": "Final"},
    "Final": {"Type": "Pass", "End": True}}}
for v in [{}, "NoNumber", 0, 1]:
    expect = ok(["HelloWorld"]) if v in (0, 1) and not isinstance(v, dict) else fail(
        "States.Runtime", f'The MaxConcurrencyPath field refers to value "{v if isinstance(v, str) else json.dumps(v)}" '
        "which is not a valid integer: $.MaxConcurrencyValue")
    case("scenarios", f"max_concurrency_path__{value_id(v).lower()}", "scenarios/statemachines/max_concurrency_path.json5",
         SCN[0], SCN[1] + f"test_max_concurrency_path[{v}]", "get_execution_history", MAX_CONC_DEF,
         {"MaxConcurrencyValue": v, "Values": ["HelloWorld"]}, expect)

# Wait TimestampPath formats (test_wait_timestamppath). The snapshot masks the timestamp (the test uses
# the time of the run); the cases use the recording's date, which is in the past, as the test's was.
WAIT = ("base/test_wait.snapshot.json", "base/test_wait.py::TestSfnWait::")
for suffix, name, good in [("Z", "z", True), (".000000Z", "000000z", True), (".000Z", "000z", True),
                           (".00Z", "00z", True), (".0000000Z", "0000000z", True),
                           ("", "no_zone", False), (".000000", "000000", False), (".000", "000", False)]:
    ts = "2023-12-06T07:58:05" + suffix
    expect = ok({"start_at": ts}) if good else fail(
        "States.Runtime", "An error occurred while executing the state 'State_1' (entered at the event id #2). The "
        "TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: "
        "$.start_at == " + ts)
    case("base", f"wait_timestamppath__{name}", "base/statemachines/wait_timestamppath.json5", WAIT[0],
         WAIT[1] + f"test_wait_timestamppath[{suffix}]", "get_execution_history",
         {"Comment": "WAIT_1_MIN", "StartAt": "State_1",
          "States": {"State_1": {"Type": "Wait", "TimestampPath": "$.start_at", "End": True}}},
         {"start_at": ts}, expect)

# A Lambda function ARN as Resource, any JSON value as the execution input (test_lambda_task).
LEGACY = ("services/test_lambda_task.snapshot.json", "services/test_lambda_task.py::TestTaskLambda::")
for name, key, value in [("none", "None", None), ("helloworld", "HelloWorld", "HelloWorld"), ("0_0", "0.0", 0.0)]:
    case("services", f"lambda_resource_json_values__{name}", "services/statemachines/lambda_invoke_resource.json5",
         LEGACY[0], LEGACY[1] + f"test_invoke_json_values[{key}]", "get_execution_history",
         {"Comment": "LAMBDA_INVOKE_RESOURCE", "StartAt": "step1", "States": {"step1": {
             "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:sfn_stub_identity",
             "End": True}}},
         value, ok(value), stubs=["sfn_stub_identity"])

# Wait SecondsPath values (test_base_wait_seconds_path; outcomes and causes from LocalStack's
# implementation, which passes that AWS-validated snapshot test; the recording itself is not stored).
for v in [-1, -1.5, 0, 1, 1.5]:
    assignment = f"$.input.waitSeconds == {v}"
    if isinstance(v, int) and v >= 0:
        expect = ok({"input": {"waitSeconds": v}})
    elif isinstance(v, int):
        expect = fail("States.Runtime", "The SecondsPath parameter references a negative value: " + assignment)
    else:
        expect = fail("States.Runtime", "The SecondsPath parameter cannot be parsed as a long value: " + assignment)
    case("base", f"wait_seconds_path__{value_id(v).lower()}", "base/statemachines/wait_seconds_path.json5", WAIT[0],
         WAIT[1] + f"test_base_wait_seconds_path[{v}]", "get_execution_history",
         {"Comment": "WAIT_SECONDS_PATH", "StartAt": "WaitState",
          "States": {"WaitState": {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": True}}},
         {"input": {"waitSeconds": v}}, expect)


# AWS documentation examples (docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html):
# the page's "Task result" is produced here by a Pass state's Result, which ResultPath treats alike.
DOC_INPUT = {"comment": "This is a test", "details": "Default example", "who": "Step Functions"}
DOC_SOURCE = "docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html"


def doc_case(name, anchor, result_path, expect):
    state = {"Type": "Pass", "Result": "Hello, Step Functions!", "End": True}
    if result_path != "omit":
        state["ResultPath"] = result_path
    CASES.append(("docs", name, {
        "name": f"docs/{name}",
        "source": {"template": DOC_SOURCE + "#" + anchor, "snapshot": None, "key": None, "entry": None},
        "definition": {"StartAt": "Hello", "States": {"Hello": state}},
        "input": DOC_INPUT, "expect": expect, "stubs": []}))


doc_case("resultpath_default", "input-output-resultpath-default", "omit", ok("Hello, Step Functions!"))
doc_case("resultpath_dollar", "input-output-resultpath-default", "$", ok("Hello, Step Functions!"))
doc_case("resultpath_null", "input-output-resultpath-null", None, ok(DOC_INPUT))
doc_case("resultpath_append", "input-output-resultpath-append", "$.taskresult",
         ok(dict(DOC_INPUT, taskresult="Hello, Step Functions!")))


def main():
    for area, name, c in CASES:
        os.makedirs(os.path.join(HERE, area), exist_ok=True)
        with open(os.path.join(HERE, area, name + ".json"), "w") as f:
            json.dump(c, f, indent=1)
            f.write("\n")
    print(f"{len(CASES)} hand-transcribed cases")


if __name__ == "__main__":
    main()
