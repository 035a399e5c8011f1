with

source as (select * from {{ source('seeds', 'source_documents') }}),

final as (

    select
        source_file,
        sha256,
        line_count,
    from source

)

select * from final
