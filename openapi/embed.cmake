# Writes OUT, a C++ file that holds the OpenAPI documents of SRC as string literals (run at build time).
file(READ ${SRC}/libpod.json LIBPOD_JSON)
file(READ ${SRC}/compat.json COMPAT_JSON)
set(DELIM "oapi")  # a raw-string delimiter is at most 16 characters
file(WRITE ${OUT}.tmp "// Generated from openapi/*.json by openapi/embed.cmake. Do not edit.\n"
  "#include \"openapi/openapi.hpp\"\n"
  "namespace berth::openapi {\n"
  "std::string_view libpod_json() {\n  static constexpr std::string_view doc = R\"${DELIM}(${LIBPOD_JSON})${DELIM}\";\n  return doc;\n}\n"
  "std::string_view compat_json() {\n  static constexpr std::string_view doc = R\"${DELIM}(${COMPAT_JSON})${DELIM}\";\n  return doc;\n}\n"
  "}  // namespace berth::openapi\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
