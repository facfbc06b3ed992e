"""A tiny calculator: the sample repository the demo's agent works on."""


def add(a, b):
    return a + b


def subtract(a, b):
    return a - b
