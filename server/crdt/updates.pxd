# C types for server/crdt/updates.py when setup.py compiles it (Cython's "augmenting .pxd"): the
# module stays plain Python, this file only tells the compiler what the hot variables are.
import cython

# The struct info bits and kinds, as C constants: as module globals, every test of a struct's
# info byte boxed it and looked the constant up (issue 17).
cdef int _ORIGIN, _RIGHT_ORIGIN, _PARENT_SUB, _KIND, _GC, _ANY, _SKIP

cdef class _Reader:
    cdef public bytes data
    cdef public Py_ssize_t pos
    cdef public bint nul
    # A varint is at most 9 bytes (63 bits): it fits a signed 64-bit integer, returned unboxed
    # (a boxed int per field was most of the decoder's cost: issue 17). Each byte is widened to
    # 64 bits, or shifting it past bit 31 would overflow a C int.
    @cython.locals(data=bytes, pos=Py_ssize_t, value=cython.ulonglong, shift=cython.int,
                   byte=cython.ulonglong)
    cpdef long long uint(self) except? -1
    cpdef int byte(self) except -1
    @cython.locals(n=cython.longlong)
    cpdef skip_bytes(self)
    cpdef varint(self)
    @cython.locals(tag=int)
    cpdef skip_any(self, int depth=*)

# Counts are C integers, checked against max_items before they are added up; clocks stay
# Python integers, which a hostile update's sums of lengths cannot overflow.
@cython.locals(r=_Reader, result=UpdateInfo, items=cython.longlong, structs_total=cython.longlong,
               ranges_total=cython.longlong, info=int, kind=int, structs=cython.longlong,
               ranges=cython.longlong, client=cython.longlong, unit_deletes=bint,
               _i=cython.longlong, _j=cython.longlong, blocks=cython.longlong)
cpdef read_update(bytes update, Py_ssize_t max_items=*)

@cython.locals(n=cython.longlong, _i=cython.longlong)
cpdef long long _content_length(_Reader r, int kind) except? -1

cpdef _lone_scalar(_Reader r, tuple lone)

# The fast path's edit, one per value set: built by stores, read by attribute (issue 17).
cdef class Scalar:
    cdef public object client
    cdef public object clock
    cdef public tuple origin
    cdef public object value

# One per edit: as an extension type its construction and attribute reads skip the instance
# dictionary machinery of a Python class (1.3 µs to build one, measured, before).
cdef class UpdateInfo:
    cdef public dict own
    cdef public list refs
    cdef public list deletes
    cdef public bint inserts_nul
    cdef public Py_ssize_t structs
    cdef public Py_ssize_t ranges
    cdef public Py_ssize_t size
    cdef public object scalar
    cdef public bint unit_deletes
    cpdef bint missing_dependencies(self, dict known) except -1
    cpdef advance(self, dict known)

@cython.locals(span=tuple)
cdef bint _known(object client, object clock, dict known, dict own) except -1

@cython.locals(tag=int, n=cython.longlong, start=Py_ssize_t)
cpdef tuple _plain_value(_Reader r)
