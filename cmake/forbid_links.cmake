# pdp_forbid_links(target forbidden...): fails the configure step when
# `target` links any of `forbidden`, directly or through any library it links
# (its LINK_LIBRARIES, then each library's INTERFACE_LINK_LIBRARIES, which for
# a static library also lists its private ones as $<LINK_ONLY:x>). Call it
# once every target the closure reaches is defined. Other generator
# expressions are not followed (none of ours links that way).
function(pdp_forbid_links target)
  get_target_property(todo ${target} LINK_LIBRARIES)
  set(seen)
  while(todo)
    list(POP_FRONT todo lib)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
    if(lib MATCHES "^\\$<" OR lib IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${lib})
    if(lib IN_LIST ARGN)
      message(FATAL_ERROR "${target} must not link ${lib}, directly or through a library")
    endif()
    if(TARGET ${lib})
      get_target_property(aliased ${lib} ALIASED_TARGET)
      if(aliased)
        list(APPEND todo ${aliased})
        continue()
      endif()
      get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(APPEND todo ${deps})
      endif()
    endif()
  endwhile()
endfunction()
