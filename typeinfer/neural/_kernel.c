/* The shipped classifier's forward pass in C: typelens.typeinfer._kernel.

   Built beside the compiled core (tools/mypyc_build.py) into typeinfer/_mypyc/, so it
   is importable only while that build runs; typeinfer/neural/native.py loads the
   weights from model.safetensors and hands them over, and falls back to onnxruntime
   (typeinfer/neural/runtime.py) where this module is absent.

   The function is export.py's Calibrated with one convolution: for each window the
   first convolution is folded into three per-tap tables (table_k[id] = embed[id] @
   W_k^T, plus the position part with the bias), folded here lazily, one token id at
   a time, the first time a batch uses it (a run reads a few thousand of the 16,384
   buckets); ReLU, max over the window's non-padding tokens; the mean of the
   non-empty windows, the first window, the mean embedding of the name's ids and of
   the value shapes' ids -> Linear -> ReLU -> Linear -> / temperature -> softmax.

   Every inner loop is a saxpy or a max over a contiguous float32 row (the weights
   are stored transposed for that), which the compiler vectorises; zero inputs of a
   Linear are skipped (ReLU and max leave many).  Accumulation is float32, as in
   onnxruntime; the order of the additions differs, so probabilities agree with
   onnxruntime's to float rounding (tests/test_kernel.py).

   Example (from Python):

       k = Kernel(dims, embed, conv_w, conv_b, position, w1, b1, w2, b2, temperature)
       k.ranked(windows, names, rows, 5)    # [[(class index, probability), ...], ...]
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_MSC_VER) && !defined(__clang__)
#define restrict __restrict /* C99's keyword, which MSVC spells its own way */
#endif

#define KERNEL_VERSION 1
#define TAPS 3
/* the largest dims a Kernel takes (the shipped model: 16,384 buckets, 64, 8 x 17, 6 + 4, 256, 501) */
#define MAX_BUCKETS ((Py_ssize_t)1 << 24)
#define MAX_DIM ((Py_ssize_t)1 << 12)
#define MAX_SIDE ((Py_ssize_t)1 << 16)
#define MAX_CLASSES ((Py_ssize_t)1 << 20)

typedef struct {
    PyObject_HEAD
    Py_ssize_t buckets, dim, windows, window_len, name_len, values, hidden, classes;
    float temperature;
    int ready; /* set once every buffer below is in place: a failed __init__ leaves it 0 */
    float *embed;     /* [buckets][dim]: the caller's buffer (embed_view) where it is aligned, else a copy */
    Py_buffer embed_view; /* held while embed points into it (embed_view.obj != NULL) */
    float *taps;      /* [dim][TAPS * dim]: taps[i][k * dim + o] = conv.weight[o][i][k] */
    float *positions; /* [window_len][dim]: the convolution of the position embedding, with its bias */
    float *tables;    /* [buckets][TAPS * dim], row id valid once folded[id] */
    unsigned char *folded;
    float *w1t, *b1;  /* [pooled * dim][hidden], [hidden] */
    float *w2t, *b2;  /* [hidden][classes], [classes] */
} Kernel;

static inline void saxpy(float *restrict y, const float *restrict x, float a, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

/* folds token ``id`` into its row of the per-tap tables */
static void fold(Kernel *self, int64_t id) {
    Py_ssize_t d = self->dim, width = TAPS * self->dim;
    float *restrict row = self->tables + id * width;
    const float *e = self->embed + id * d;
    memset(row, 0, sizeof(float) * width);
    for (Py_ssize_t i = 0; i < d; i++)
        saxpy(row, self->taps + i * width, e[i], width);
    self->folded[id] = 1;
}

static inline const float *table(Kernel *self, int64_t id, int tap) {
    if (!self->folded[id])
        fold(self, id);
    return self->tables + id * TAPS * self->dim + tap * self->dim;
}

/* a window's max over its tokens (into ``out``, zero when it has none); whether it has one */
static int window_max(Kernel *self, const int64_t *ids, float *restrict out, float *restrict x) {
    Py_ssize_t d = self->dim, l = self->window_len;
    int present = 0;
    memset(out, 0, sizeof(float) * d);
    for (Py_ssize_t t = 0; t < l; t++) {
        if (ids[t] == 0)
            continue; /* padding: masked to 0, and every activation is >= 0 */
        present = 1;
        const float *pos = self->positions + t * d;
        const float *before = table(self, t > 0 ? ids[t - 1] : 0, 0);
        const float *here = table(self, ids[t], 1);
        const float *after = table(self, t + 1 < l ? ids[t + 1] : 0, 2);
        for (Py_ssize_t o = 0; o < d; o++)
            x[o] = pos[o] + before[o] + here[o] + after[o];
        for (Py_ssize_t o = 0; o < d; o++)
            out[o] = x[o] > out[o] ? x[o] : out[o]; /* ReLU and max at once: out starts at 0 */
    }
    return present;
}

/* the mean embedding of the nonzero ids among ``ids[0:n]`` */
static void mean_embedding(Kernel *self, const int64_t *ids, Py_ssize_t n, float *restrict out) {
    Py_ssize_t d = self->dim, count = 0;
    memset(out, 0, sizeof(float) * d);
    for (Py_ssize_t j = 0; j < n; j++) {
        if (ids[j] == 0)
            continue;
        const float *e = self->embed + ids[j] * d;
        for (Py_ssize_t o = 0; o < d; o++)
            out[o] += e[o];
        count++;
    }
    float scale = (float)(count > 0 ? count : 1);
    for (Py_ssize_t o = 0; o < d; o++)
        out[o] /= scale;
}

/* one row's probabilities into ``out`` [classes]; ``scratch``: pooled * dim + 2 * dim + hidden floats */
static void row_probabilities(Kernel *self, const int64_t *windows, const int64_t *name, float *restrict out,
                              float *restrict scratch) {
    Py_ssize_t d = self->dim, parts = self->values ? 4 : 3;
    float *features = scratch, *window = scratch + parts * d, *x = window + d, *hidden = x + d;
    float *pooled = features, *first = features + d;
    Py_ssize_t present = 0;
    memset(features, 0, sizeof(float) * 2 * d);
    for (Py_ssize_t w = 0; w < self->windows; w++) {
        if (!window_max(self, windows + w * self->window_len, window, x))
            continue;
        present++;
        for (Py_ssize_t o = 0; o < d; o++)
            pooled[o] += window[o];
        if (w == 0)
            memcpy(first, window, sizeof(float) * d);
    }
    float scale = (float)(present > 0 ? present : 1);
    for (Py_ssize_t o = 0; o < d; o++)
        pooled[o] /= scale;
    mean_embedding(self, name, self->name_len, features + 2 * d);
    if (self->values)
        mean_embedding(self, name + self->name_len, self->values, features + 3 * d);
    memcpy(hidden, self->b1, sizeof(float) * self->hidden);
    for (Py_ssize_t i = 0; i < parts * d; i++)
        if (features[i] != 0.0f)
            saxpy(hidden, self->w1t + i * self->hidden, features[i], self->hidden);
    memcpy(out, self->b2, sizeof(float) * self->classes);
    for (Py_ssize_t j = 0; j < self->hidden; j++)
        if (hidden[j] > 0.0f) /* ReLU: the rest add nothing */
            saxpy(out, self->w2t + j * self->classes, hidden[j], self->classes);
    float top = -INFINITY, sum = 0.0f;
    for (Py_ssize_t c = 0; c < self->classes; c++) {
        out[c] /= self->temperature;
        top = out[c] > top ? out[c] : top;
    }
    for (Py_ssize_t c = 0; c < self->classes; c++) {
        out[c] = expf(out[c] - top);
        sum += out[c];
    }
    for (Py_ssize_t c = 0; c < self->classes; c++)
        out[c] /= sum;
}

/* -- the Python type ------------------------------------------------------------------- */

static float *copy_floats(Py_buffer *view, Py_ssize_t count, const char *what) {
    if (view->len != count * (Py_ssize_t)sizeof(float)) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %zd", what, view->len, count * (Py_ssize_t)sizeof(float));
        return NULL;
    }
    float *out = PyMem_Malloc(view->len);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(out, view->buf, view->len);
    return out;
}

/* ``view``'s floats read in place, the view then held by the kernel (the embedding: 4 MB a
   run need not copy, of which it reads a few thousand rows), or a copy where they are not
   aligned for float loads */
static float *borrowed_floats(Kernel *self, Py_buffer *view, Py_ssize_t count, const char *what) {
    if (!view->readonly || ((uintptr_t)view->buf) % sizeof(float) != 0)
        return copy_floats(view, count, what); /* a writable buffer could change under the kernel */
    if (view->len != count * (Py_ssize_t)sizeof(float)) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %zd", what, view->len, count * (Py_ssize_t)sizeof(float));
        return NULL;
    }
    self->embed_view = *view; /* the kernel releases it (Kernel_dealloc); the caller's copy is cleared */
    memset(view, 0, sizeof(*view));
    return (float *)self->embed_view.buf;
}

/* ``rows`` [r][c] -> a new [c][r] (a Linear's weight, stored input-major for the saxpy) */
static float *transposed(const float *rows, Py_ssize_t r, Py_ssize_t c) {
    float *out = PyMem_Malloc(sizeof(float) * r * c);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < r; i++)
        for (Py_ssize_t j = 0; j < c; j++)
            out[j * r + i] = rows[i * c + j];
    return out;
}

static void Kernel_dealloc(Kernel *self) {
    if (self->embed_view.obj != NULL)
        PyBuffer_Release(&self->embed_view);
    else
        PyMem_Free(self->embed);
    PyMem_Free(self->taps);
    PyMem_Free(self->positions);
    free(self->tables);
    free(self->folded);
    PyMem_Free(self->w1t);
    PyMem_Free(self->b1);
    PyMem_Free(self->w2t);
    PyMem_Free(self->b2);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* the position part [L][D]: conv(position[:L]^T) with padding 1, its bias included */
static int build_positions(Kernel *self, const float *position, const float *conv_w, const float *conv_b) {
    Py_ssize_t d = self->dim, l = self->window_len;
    self->positions = PyMem_Malloc(sizeof(float) * l * d);
    if (self->positions == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t t = 0; t < l; t++)
        for (Py_ssize_t o = 0; o < d; o++) {
            float acc = conv_b[o];
            for (int k = 0; k < TAPS; k++) {
                Py_ssize_t s = t + k - 1;
                if (s < 0 || s >= l)
                    continue;
                for (Py_ssize_t i = 0; i < d; i++)
                    acc += conv_w[(o * d + i) * TAPS + k] * position[s * d + i];
            }
            self->positions[t * d + o] = acc;
        }
    return 0;
}

static int load(Kernel *self, Py_buffer *b) {
    /* b: embed, conv weight, conv bias, position, head.0 weight, head.0 bias, head.3 weight, head.3 bias */
    Py_ssize_t d = self->dim, parts = self->values ? 4 : 3;
    float *conv_w = NULL, *position = NULL, *w1 = NULL, *w2 = NULL, *conv_b = NULL;
    int status = -1;
    if (!(self->embed = borrowed_floats(self, &b[0], self->buckets * d, "embed.weight")) ||
        !(conv_w = copy_floats(&b[1], d * d * TAPS, "convs.0.weight")) ||
        !(conv_b = copy_floats(&b[2], d, "convs.0.bias")) ||
        !(position = copy_floats(&b[3], self->window_len * d, "position.weight")) ||
        !(w1 = copy_floats(&b[4], self->hidden * parts * d, "head.0.weight")) ||
        !(self->b1 = copy_floats(&b[5], self->hidden, "head.0.bias")) ||
        !(w2 = copy_floats(&b[6], self->classes * self->hidden, "head.3.weight")) ||
        !(self->b2 = copy_floats(&b[7], self->classes, "head.3.bias")))
        goto done;
    if (!(self->w1t = transposed(w1, self->hidden, parts * d)) || !(self->w2t = transposed(w2, self->classes, self->hidden)))
        goto done;
    if (!(self->taps = PyMem_Malloc(sizeof(float) * d * TAPS * d))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t o = 0; o < d; o++)
        for (Py_ssize_t i = 0; i < d; i++)
            for (int k = 0; k < TAPS; k++)
                self->taps[i * TAPS * d + k * d + o] = conv_w[(o * d + i) * TAPS + k];
    if (build_positions(self, position, conv_w, conv_b) < 0)
        goto done;
    /* calloc: the pages of the buckets never used are never touched */
    self->tables = calloc((size_t)(self->buckets * TAPS * d), sizeof(float));
    self->folded = calloc((size_t)self->buckets, 1);
    if (self->tables == NULL || self->folded == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    status = 0;
done:
    PyMem_Free(conv_w);
    PyMem_Free(conv_b);
    PyMem_Free(position);
    PyMem_Free(w1);
    PyMem_Free(w2);
    return status;
}

static int Kernel_init(Kernel *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"dims", "embed", "conv_weight", "conv_bias", "position", "w1", "b1", "w2", "b2", "temperature", NULL};
    Py_buffer b[8];
    float temperature;
    memset(b, 0, sizeof(b));
    if (self->ready || self->embed != NULL) {
        PyErr_SetString(PyExc_TypeError, "Kernel is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "(nnnnnnnn)y*y*y*y*y*y*y*y*f", names, &self->buckets, &self->dim,
                                     &self->windows, &self->window_len, &self->name_len, &self->values, &self->hidden,
                                     &self->classes, &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7], &temperature))
        return -1;
    int status = -1;
    if (self->buckets < 1 || self->dim < 1 || self->windows < 1 || self->window_len < 1 || self->name_len < 1 ||
        self->values < 0 || self->hidden < 1 || self->classes < 1 || !(temperature > 0.0f))
        PyErr_SetString(PyExc_ValueError, "dims must be positive (values >= 0) and the temperature > 0");
    else if (self->buckets > MAX_BUCKETS || self->dim > MAX_DIM || self->windows > MAX_SIDE ||
             self->window_len > MAX_SIDE || self->name_len > MAX_SIDE || self->values > MAX_SIDE ||
             self->hidden > MAX_SIDE || self->classes > MAX_CLASSES)
        /* every byte count below then fits a Py_ssize_t with room to spare */
        PyErr_SetString(PyExc_ValueError, "dims too large for the kernel");
    else {
        self->temperature = temperature;
        status = load(self, b);
        self->ready = status == 0;
    }
    for (int i = 0; i < 8; i++)
        PyBuffer_Release(&b[i]);
    return status;
}

/* checks the batch's buffers (int64 ids in [0, buckets)); the row count, -1 on error */
static Py_ssize_t check_batch(Kernel *self, Py_buffer *windows, Py_buffer *name, Py_ssize_t rows) {
    Py_ssize_t per_window = self->windows * self->window_len, per_name = self->name_len + self->values;
    if (!self->ready) {
        PyErr_SetString(PyExc_ValueError, "the Kernel has no weights (its __init__ did not run or failed)");
        return -1;
    }
    Py_ssize_t widest = per_window > per_name ? per_window : per_name;
    widest = widest > self->classes ? widest : self->classes;
    if (rows < 0 || rows > PY_SSIZE_T_MAX / (8 * widest)) { /* the byte counts below would overflow */
        PyErr_Format(PyExc_ValueError, "%zd rows: too many for one batch", rows);
        return -1;
    }
    if (windows->len != rows * per_window * 8 || name->len != rows * per_name * 8) {
        PyErr_Format(PyExc_ValueError, "%zd rows need %zd and %zd bytes of int64 ids, got %zd and %zd", rows,
                     rows * per_window * 8, rows * per_name * 8, windows->len, name->len);
        return -1;
    }
    const int64_t *ids[2] = {windows->buf, name->buf};
    Py_ssize_t counts[2] = {rows * per_window, rows * per_name};
    for (int a = 0; a < 2; a++)
        for (Py_ssize_t i = 0; i < counts[a]; i++)
            if (ids[a][i] < 0 || ids[a][i] >= self->buckets) {
                PyErr_Format(PyExc_ValueError, "token id %lld is outside [0, %zd)", (long long)ids[a][i], self->buckets);
                return -1;
            }
    return rows;
}

/* every row's probabilities into ``out`` [rows][classes]; 0, or -1 with MemoryError */
static int batch_probabilities(Kernel *self, const int64_t *windows, const int64_t *name, Py_ssize_t rows, float *out) {
    Py_ssize_t per_window = self->windows * self->window_len, per_name = self->name_len + self->values;
    float *scratch = PyMem_Malloc(sizeof(float) * (6 * self->dim + self->hidden));
    if (scratch == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t r = 0; r < rows; r++)
        row_probabilities(self, windows + r * per_window, name + r * per_name, out + r * self->classes, scratch);
    PyMem_Free(scratch);
    return 0;
}

static PyObject *Kernel_probabilities(Kernel *self, PyObject *args) {
    Py_buffer windows, name;
    Py_ssize_t rows;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*n", &windows, &name, &rows))
        return NULL;
    if (check_batch(self, &windows, &name, rows) >= 0) {
        result = PyBytes_FromStringAndSize(NULL, rows * self->classes * (Py_ssize_t)sizeof(float));
        if (result != NULL &&
            batch_probabilities(self, windows.buf, name.buf, rows, (float *)PyBytes_AS_STRING(result)) < 0)
            Py_CLEAR(result);
    }
    PyBuffer_Release(&windows);
    PyBuffer_Release(&name);
    return result;
}

/* the ``k`` best of one row as a list of (class index, probability): higher first, ties by index */
static PyObject *top_k(const float *p, Py_ssize_t classes, Py_ssize_t k) {
    Py_ssize_t best[64], n = 0;
    for (Py_ssize_t c = 0; c < classes; c++) {
        Py_ssize_t at;
        if (n < k)
            at = n++;
        else if (p[c] > p[best[k - 1]])
            at = k - 1;
        else
            continue;
        while (at > 0 && p[c] > p[best[at - 1]]) {
            best[at] = best[at - 1];
            at--;
        }
        best[at] = c;
    }
    PyObject *row = PyList_New(n);
    for (Py_ssize_t i = 0; row != NULL && i < n; i++) {
        PyObject *pair = Py_BuildValue("(nd)", best[i], (double)p[best[i]]);
        if (pair == NULL)
            Py_CLEAR(row);
        else
            PyList_SET_ITEM(row, i, pair);
    }
    return row;
}

static PyObject *Kernel_ranked(Kernel *self, PyObject *args) {
    Py_buffer windows, name;
    Py_ssize_t rows, k;
    PyObject *result = NULL;
    float *probs = NULL;
    if (!PyArg_ParseTuple(args, "y*y*nn", &windows, &name, &rows, &k))
        return NULL;
    if (k < 1 || k > 64 || k > self->classes)
        PyErr_Format(PyExc_ValueError, "k=%zd: ask for 1 to min(64, %zd) classes", k, self->classes);
    else if (check_batch(self, &windows, &name, rows) >= 0) {
        probs = PyMem_Malloc(sizeof(float) * (rows * self->classes + 1));
        if (probs == NULL)
            PyErr_NoMemory();
        else if (batch_probabilities(self, windows.buf, name.buf, rows, probs) == 0 && (result = PyList_New(rows))) {
            for (Py_ssize_t r = 0; r < rows; r++) {
                PyObject *row = top_k(probs + r * self->classes, self->classes, k);
                if (row == NULL) {
                    Py_CLEAR(result);
                    break;
                }
                PyList_SET_ITEM(result, r, row);
            }
        }
    }
    PyMem_Free(probs);
    PyBuffer_Release(&windows);
    PyBuffer_Release(&name);
    return result;
}

static PyObject *Kernel_folded(Kernel *self, PyObject *Py_UNUSED(ignored)) {
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; self->ready && i < self->buckets; i++)
        count += self->folded[i];
    return PyLong_FromSsize_t(count);
}

static PyMethodDef Kernel_methods[] = {
    {"probabilities", (PyCFunction)Kernel_probabilities, METH_VARARGS,
     "probabilities(windows, name, rows) -> bytes: float32 [rows][classes] from int64 ids "
     "(windows [rows][windows][window_len], name [rows][name_len + values])"},
    {"ranked", (PyCFunction)Kernel_ranked, METH_VARARGS,
     "ranked(windows, name, rows, k) -> each row's k best (class index, probability), best first"},
    {"folded", (PyCFunction)Kernel_folded, METH_NOARGS, "folded() -> how many token ids are folded so far"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "typelens.typeinfer._kernel.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Kernel(dims, embed, conv_weight, conv_bias, position, w1, b1, w2, b2, temperature): the "
              "classifier's weights as float32 little-endian buffers; dims = (buckets, dim, windows, "
              "window_len, name_len, values, hidden, classes)",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Kernel_init,
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_methods = Kernel_methods,
};

static struct PyModuleDef kernel_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "The classifier's forward pass (typeinfer/neural/_kernel.c).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    if (PyType_Ready(&KernelType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&kernel_module);
    if (module == NULL)
        return NULL;
    if (PyModule_AddIntConstant(module, "VERSION", KERNEL_VERSION) < 0 ||
        PyModule_AddObjectRef(module, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
