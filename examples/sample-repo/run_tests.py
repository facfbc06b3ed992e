"""Runs the unit tests and writes JUnit XML to reports/junit.xml (stdlib only)."""
import os
import sys
import unittest
from xml.sax.saxutils import quoteattr


class Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.cases.append((test, None))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.cases.append((test, ("failure", self._exc_info_to_string(err, test))))

    def addError(self, test, err):
        super().addError(test, err)
        self.cases.append((test, ("error", self._exc_info_to_string(err, test))))


def main():
    suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
    result = unittest.TextTestRunner(resultclass=Recorder, verbosity=2).run(suite)
    os.makedirs("reports", exist_ok=True)
    with open("reports/junit.xml", "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<testsuite name="sample" tests="%d" failures="%d" errors="%d">\n'
                  % (result.testsRun, len(result.failures), len(result.errors)))
        for test, problem in result.cases:
            cls, _, name = test.id().rpartition(".")
            out.write("  <testcase classname=%s name=%s>" % (quoteattr(cls), quoteattr(name)))
            if problem:
                kind, text = problem
                first = text.strip().splitlines()[-1] if text.strip() else kind
                out.write("<%s message=%s/>" % (kind, quoteattr(first)))
            out.write("</testcase>\n")
        out.write("</testsuite>\n")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
