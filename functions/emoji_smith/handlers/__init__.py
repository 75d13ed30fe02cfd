"""One thin module per Lambda: parse the event, call one domain function, return its result.

A raised exception's class name is the Step Functions error name the ASL retries or catches.
"""
