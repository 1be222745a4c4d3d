# Finds SystemC (with TLM-2.0) for the SystemC testbench (docs/cosim.md
# "SystemC testbench") and provides it as the imported target
# Verilator::systemc -- the name Verilator's verilator_link_systemc() links,
# so defining it first makes Verilator use this search instead of its own.
#
# Where it looks, first hit wins:
#   1. SYSTEMC_INCLUDE and SYSTEMC_LIBDIR (cache or environment), as in
#      Verilator's documentation;
#   2. pkg-config `systemc` (Debian's libsystemc-dev ships systemc.pc);
#   3. systemc.h and libsystemc in the compiler's default paths (Debian puts
#      the headers in /usr/include and the library in the multiarch libdir).
# A default path is never added as an include directory: -isystem
# /usr/include breaks the C++ library's #include_next.
#
# Sets FF_SYSTEMC_FOUND and FF_SYSTEMC_VERSION.
if(TARGET Verilator::systemc)
  set(FF_SYSTEMC_FOUND TRUE)
  return()
endif()
set(FF_SYSTEMC_FOUND FALSE)

set(_inc "${SYSTEMC_INCLUDE}")
set(_lib "${SYSTEMC_LIBDIR}")
if(NOT _inc AND DEFINED ENV{SYSTEMC_INCLUDE})
  set(_inc "$ENV{SYSTEMC_INCLUDE}")
endif()
if(NOT _lib AND DEFINED ENV{SYSTEMC_LIBDIR})
  set(_lib "$ENV{SYSTEMC_LIBDIR}")
endif()

set(_ff_sc_inc "")
set(_ff_sc_lib "")
if(_inc AND _lib)
  find_path(FF_SYSTEMC_INCLUDE_DIR systemc.h HINTS ${_inc} NO_DEFAULT_PATH)
  find_library(FF_SYSTEMC_LIBRARY systemc HINTS ${_lib} NO_DEFAULT_PATH)
  set(_ff_sc_inc ${FF_SYSTEMC_INCLUDE_DIR})
  set(_ff_sc_lib ${FF_SYSTEMC_LIBRARY})
else()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(FF_SYSTEMC_PC QUIET systemc)
  endif()
  if(FF_SYSTEMC_PC_FOUND)
    find_library(FF_SYSTEMC_LIBRARY systemc HINTS ${FF_SYSTEMC_PC_LIBRARY_DIRS})
    set(_ff_sc_inc ${FF_SYSTEMC_PC_INCLUDE_DIRS})
    set(_ff_sc_lib ${FF_SYSTEMC_LIBRARY})
    set(FF_SYSTEMC_VERSION ${FF_SYSTEMC_PC_VERSION})
  else()
    find_path(FF_SYSTEMC_INCLUDE_DIR systemc.h)
    find_library(FF_SYSTEMC_LIBRARY systemc)
    set(_ff_sc_inc ${FF_SYSTEMC_INCLUDE_DIR})
    set(_ff_sc_lib ${FF_SYSTEMC_LIBRARY})
  endif()
endif()

if(_ff_sc_lib AND (_ff_sc_inc OR FF_SYSTEMC_PC_FOUND))
  # tlm.h comes with SystemC >= 2.3; the testbench needs it
  set(_ff_sc_tlm FALSE)
  foreach(d ${_ff_sc_inc} ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES} /usr/include)
    if(EXISTS "${d}/tlm.h")
      set(_ff_sc_tlm TRUE)
    endif()
  endforeach()
  if(_ff_sc_tlm)
    list(REMOVE_ITEM _ff_sc_inc ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES} /usr/include)
    add_library(Verilator::systemc INTERFACE IMPORTED)
    set_target_properties(Verilator::systemc PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${_ff_sc_inc}"
      INTERFACE_LINK_LIBRARIES "${_ff_sc_lib};Threads::Threads")
    set(FF_SYSTEMC_FOUND TRUE)
  endif()
endif()
