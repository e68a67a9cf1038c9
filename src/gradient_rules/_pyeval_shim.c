/*
 * The one symbol durable-rules 2.0.28 cannot resolve on CPython 3.13 and later.
 *
 * durable-rules' C extension (src/rulespy/rules.c) calls PyEval_CallObject() in five
 * storage callbacks.  Up to 3.12 that name was a macro of the headers; 3.13 removed it,
 * so the extension compiles the call with an implicit declaration and its import fails
 * with "undefined symbol: PyEval_CallObject" (docs/decisions.md, D28).
 *
 * The adapter (_durable.py) loads this library with RTLD_GLOBAL, only after the import
 * failed naming exactly that symbol, and then imports durable-rules again.
 *
 * This definition never calls anything.  The call sites were compiled without a
 * prototype, so they read the result as a 32-bit int and sign-extend it: a real
 * PyObject pointer would come back truncated.  NULL survives that, so the function
 * fails closed: it sets RuntimeError and returns NULL.  The callbacks are reached only
 * through Host.set_*_callback (message storage), which gradient-rules never calls.
 *
 * Exactly one symbol is exported besides the module init; any other symbol missing
 * from durable-rules still fails its import (tests/test_python_versions.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#undef PyEval_CallObject /* a macro in the 3.11 and 3.12 headers */

#if defined(__GNUC__)
#define SHIM_EXPORT __attribute__((visibility("default")))
#else
#define SHIM_EXPORT
#endif

SHIM_EXPORT PyObject *PyEval_CallObject(PyObject *callable, PyObject *args);

SHIM_EXPORT PyObject *PyEval_CallObject(PyObject *callable, PyObject *args)
{
    (void)callable;
    (void)args;
    PyErr_SetString(PyExc_RuntimeError,
                    "durable-rules called PyEval_CallObject (a message-storage callback); "
                    "gradient-rules' shim for Python 3.13+ supports no such callback");
    return NULL;
}

static struct PyModuleDef shim_module = {
    PyModuleDef_HEAD_INIT,
    "gradient_rules._pyeval_shim",
    "Exports PyEval_CallObject for durable-rules 2.0.28 on CPython 3.13+ (fails closed).",
    0,
    NULL,
};

PyMODINIT_FUNC PyInit__pyeval_shim(void)
{
    return PyModule_Create(&shim_module);
}
